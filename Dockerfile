# syntax=docker/dockerfile:1
# repvgg-dist: the coordinator and the CPU worker in one image, two commands:
#   repvgg-dist coordinator                                  (configured by the environment)
#   repvgg-dist worker --coordinator HOST:PORT [--host IP]   (tfjs-node when its binding installed, else wasm)
# The GPU worker is Dockerfile.gpu. `npm run image -- --smoke` builds and runs this file here
# (docs/images.md); the Kubernetes manifests in k8s/ run it with a read-only root filesystem and /tmp,
# /data and /artifacts mounted, as uid 1000.

# The public default, pinned by tag and digest; `npm run image` passes a local stand-in for it.
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0

# ---- build: the TypeScript compiler and every devDependency live only here ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# onnxruntime-node's install script would download CUDA binaries; its CPU binaries ship in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    npm_config_fund=false \
    npm_config_audit=false \
    npm_config_update_notifier=false
COPY package.json package-lock.json ./
# Only tsc and tsc-alias run in this stage: no install scripts (native downloads) and no `prepare`
# (the sources are not here yet), so this layer stays cached until the lockfile changes.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY bench ./bench
COPY scripts ./scripts
RUN npm run build

# ---- runtime: production dependencies, the compiled app and the CLI shim, owned by root ----
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="repvgg-dist" \
      org.opencontainers.image.description="Distributed RepVGG training: coordinator and CPU worker (repvgg CLI)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    npm_config_fund=false \
    npm_config_audit=false \
    npm_config_update_notifier=false
COPY package.json package-lock.json ./
# `prepare` would run tsc, which --omit=dev leaves out: the build stage compiled dist/ already.
# The optional @tensorflow/tfjs-node-gpu needs CUDA libraries this image does not carry (that is
# Dockerfile.gpu); without it the backend chain is tfjs-node (when its libtensorflow downloaded at
# install) → wasm → cpu. The npm cache goes too: nothing at run time installs.
RUN npm pkg delete scripts.prepare \
 && npm ci --omit=dev \
 && rm -rf node_modules/@tensorflow/tfjs-node-gpu \
 && npm cache clean --force \
 && rm -rf /root/.npm /tmp/*
# The openssl CLI: `repvgg bootstrap-secrets` (the Job of k8s/components/bootstrap-secrets) makes the
# TLS Secret's CA and certificate with it, as `repvgg cluster up` does; the node base lacks it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssl \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/dist ./dist
# The rendezvous and collective .proto files are loaded at run time from libs/contracts/proto.
COPY libs/contracts/proto ./libs/contracts/proto
COPY bin ./bin
# uid/gid 1000 as the manifests run it; the public node image already has it (user `node`), a bare
# Debian base gets a user `repvgg` without a writable home.
RUN getent group 1000 >/dev/null || groupadd --gid 1000 repvgg; \
    getent passwd 1000 >/dev/null || useradd --uid 1000 --gid 1000 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin repvgg
# A read-only root: the only writes are the dataset manifest cache (kept under /tmp, an emptyDir or
# tmpfs) and the volumes a job names (/artifacts); nothing writes below /app or $HOME.
ENV NODE_ENV=production \
    REPVGG_CACHE_DIR=/tmp/repvgg-cache \
    HOME=/tmp
USER 1000:1000
EXPOSE 8080 50051 50052 50053
ENTRYPOINT ["node", "/app/bin/repvgg.js"]
CMD ["--help"]
