#!/usr/bin/env bash
# Swagger UI in a real browser: Debian's Chromium driven by playwright-core
# (pinned; no browser download). Needs LIAISON_URL, LIAISON_CLIENT_ID and
# LIAISON_CLIENT_SECRET of a running liaison with its demo tenant. The
# screenshots go to .cache/artifacts/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SRC="$ROOT/tests/ecosystem/swagger-ui"
WORK="$ROOT/.cache/swagger-ui"
mkdir -p "$WORK" "$ROOT/.cache/artifacts"

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "swagger-ui: installing Debian's chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "swagger-ui: /usr/bin/chromium is missing (apt-get install chromium)" >&2
    exit 1
  fi
fi

want=$(cat "$SRC/package.json" "$SRC/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ ! -f "$WORK/.stamp" ] || [ "$(cat "$WORK/.stamp")" != "$want" ]; then
  cp "$SRC/package.json" "$SRC/package-lock.json" "$WORK/"
  (cd "$WORK" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  echo "$want" >"$WORK/.stamp"
fi
# ES modules resolve packages next to the script, so it runs from the install.
cp "$SRC/swagger_ui.mjs" "$WORK/"
SCREENSHOT_DIR="$ROOT/.cache/artifacts" node "$WORK/swagger_ui.mjs"
