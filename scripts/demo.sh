#!/usr/bin/env bash
# The main job, end to end: compile -> build -> up -> invoke -> down of the Python hello example.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${TMPDIR:-/tmp}/mvm-hello-app"
name="hello-app"
cleanup() { npx mvmctl down "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT

set -x
npx mvmctl compile examples/python/hello-app/app.py --out "$out"
npx mvmctl build "$out"
npx mvmctl up "$out" --name "$name"
npx mvmctl invoke "$name" --input name='ari'
npx mvmctl down "$name"
