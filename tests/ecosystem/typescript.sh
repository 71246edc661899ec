#!/usr/bin/env bash
# Ecosystem check: TypeScript types generated from openapi/openapi.json
# (openapi-typescript) drive openapi-fetch against a running liaison.
#
#   LIAISON_URL=http://127.0.0.1:8080 LIAISON_CLIENT_ID=demo \
#   LIAISON_CLIENT_SECRET=... LIAISON_API_KEY=... tests/ecosystem/typescript.sh
#
# Needs node >= 20 and npm. Everything is staged in .cache/typescript/
# (git-ignored): node_modules from the committed lock file (npm ci, skipped
# while the lock is unchanged), generated/liaison.d.ts, a copy of
# scenario.ts and tsconfig.json, and the compiled dist/scenario.js.
# Fails on any type error and on any failed scenario step.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SRC="$ROOT/tests/ecosystem/typescript"
WORK="$ROOT/.cache/typescript"
SPEC="$ROOT/openapi/openapi.json"

for var in LIAISON_URL LIAISON_CLIENT_ID LIAISON_CLIENT_SECRET LIAISON_API_KEY; do
  if [ -z "${!var:-}" ]; then
    echo "typescript.sh: $var is not set" >&2
    exit 2
  fi
done
for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "typescript.sh: $tool not found (node >= 20 is needed)" >&2; exit 2; }
done
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || { echo "typescript.sh: node >= 20 is needed, found $(node --version)" >&2; exit 2; }
[ -f "$SPEC" ] || { echo "typescript.sh: $SPEC not found" >&2; exit 2; }

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

mkdir -p "$WORK"

# 1. Dependencies, exactly as locked.
stamp="$WORK/node_modules/.liaison-lock-stamp"
want=$(cat "$SRC/package.json" "$SRC/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "typescript: node_modules up to date (lock unchanged)"
else
  cp "$SRC/package.json" "$SRC/package-lock.json" "$WORK/"
  t0=$(now)
  (cd "$WORK" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  echo "$want" >"$stamp"
  echo "typescript: npm ci took $(since "$t0") s"
fi
bin="$WORK/node_modules/.bin"

# 2. Types from the OpenAPI document.
rm -rf "$WORK/generated" "$WORK/dist"
mkdir -p "$WORK/generated"
t0=$(now)
"$bin/openapi-typescript" "$SPEC" -o "$WORK/generated/liaison.d.ts"
echo "typescript: openapi-typescript took $(since "$t0") s"

# 3. Type-check and compile (noEmitOnError: any type error fails here and
#    leaves nothing to run).
cp "$SRC/scenario.ts" "$SRC/tsconfig.json" "$WORK/"
t0=$(now)
if ! "$bin/tsc" -p "$WORK/tsconfig.json" --pretty false; then
  echo "typescript: tsc failed (paths above are copies in .cache/typescript; edit tests/ecosystem/typescript/)" >&2
  exit 1
fi
echo "typescript: tsc took $(since "$t0") s"

# 4. The scenario against the running server.
echo "typescript: scenario against $LIAISON_URL"
node "$WORK/dist/scenario.js"
