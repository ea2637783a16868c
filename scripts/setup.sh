#!/usr/bin/env bash
# Installs what this checkout needs and does not have yet, and nothing else: Debian packages (apt-get, with
# sudo only when not root), the npm dependencies (`npm ci` when node_modules is absent; its `prepare` builds
# dist/), and the build when dist/ is missing. Quiet and quick when everything is there.
#   scripts/setup.sh          what `repvgg run --dataset fashion-mnist` needs (bin/repvgg.js runs this on first use)
#   scripts/setup.sh --test   and what the test suite needs (`npm test` runs this first)
# Everything it prints goes to stderr, so a command's own output stays clean.
set -euo pipefail
exec 1>&2
cd "$(dirname "$0")/.."

# redis-server: the local cluster's private Redis; dataset-fashion-mnist: the embedded default's data;
# openssl: the local cluster's CA and certificates (mutual TLS between its processes).
packages=(redis-server dataset-fashion-mnist openssl)
# chromium: the dashboard's browser tests; unzip: .ci/install-kubectl.sh.
if [ "${1:-}" = --test ]; then packages+=(chromium unzip); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "setup: ${missing[*]} missing and no apt-get here; install them with your package manager, then run again"
    exit 2
  fi
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]} (apt-get)"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# onnxruntime-node's installer would download CUDA binaries; its CPU binaries ship in the package.
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -d node_modules ]; then
  echo "setup: installing the npm dependencies and building (npm ci, about 2 minutes)"
  npm ci --no-audit --no-fund
fi
if [ ! -f dist/apps/cli/src/main.js ]; then npm run build --silent; fi
if [ "${1:-}" = --test ]; then bash .ci/install-kubectl.sh; fi
