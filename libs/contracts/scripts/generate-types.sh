#!/bin/sh
# Regenerates the committed TypeScript types of rendezvous.proto (flags = PROTO_LOADER_OPTIONS).
set -e
cd "$(dirname "$0")/.."
npx proto-loader-gen-types --longs=Number --enums=String --defaults --oneofs --includeComments \
  --grpcLib=@grpc/grpc-js --outDir=src/generated proto/rendezvous.proto
npx prettier --write src/generated
