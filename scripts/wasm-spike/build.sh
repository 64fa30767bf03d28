#!/bin/sh
# Builds scripts/wasm-spike/moments.wasm from moments.as with AssemblyScript 0.28
# (add --textFile moments.wat to read the generated code; it is not committed).
# The source is named .as (not .ts) so the project's tsc does not type-check it;
# asc wants a .ts entry, so it is copied to a temporary directory first.
# The compiler is not a project dependency: install it outside the repo, e.g.
#   mkdir -p /work/wasmtool && cd /work/wasmtool && npm init -y && npm install assemblyscript@0.28
# and point ASC at its bin (default /work/wasmtool/node_modules/.bin/asc).
set -e
here=$(cd "$(dirname "$0")" && pwd)
ASC=${ASC:-/work/wasmtool/node_modules/.bin/asc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here/moments.as" "$tmp/moments.ts"
cd "$tmp"
"$ASC" moments.ts --outFile "$here/moments.wasm" \
  -O3 --noAssert --runtime stub --enable simd --initialMemory 1
ls -l "$here/moments.wasm"
