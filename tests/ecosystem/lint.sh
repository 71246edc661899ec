#!/usr/bin/env bash
# The spec quality gate: openapi-spec-validator and spectral (spectral:oas,
# with the exceptions in lint/.spectral.yaml) at zero errors and warnings.
# Tools are installed from the committed pins into .cache/ (git-ignored).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SRC="$ROOT/tests/ecosystem/lint"
WORK="$ROOT/.cache/lint"
SPEC="$ROOT/openapi/openapi.json"
mkdir -p "$WORK"

want=$(cat "$SRC/package.json" "$SRC/package-lock.json" "$SRC/requirements.txt" | sha256sum | cut -d' ' -f1)
if [ ! -f "$WORK/.stamp" ] || [ "$(cat "$WORK/.stamp")" != "$want" ]; then
  cp "$SRC/package.json" "$SRC/package-lock.json" "$WORK/"
  (cd "$WORK" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install --quiet --disable-pip-version-check -r "$SRC/requirements.txt"
  echo "$want" >"$WORK/.stamp"
fi

"$WORK/venv/bin/openapi-spec-validator" "$SPEC"
"$WORK/node_modules/.bin/spectral" lint --fail-severity=warn -r "$SRC/.spectral.yaml" "$SPEC"
