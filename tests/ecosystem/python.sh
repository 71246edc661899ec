#!/usr/bin/env bash
# End-to-end test of a Python client generated from the committed OpenAPI
# document (openapi/openapi.json) with openapi-python-client.
#
#   LIAISON_URL=http://127.0.0.1:8080 LIAISON_CLIENT_ID=demo \
#   LIAISON_CLIENT_SECRET=... LIAISON_API_KEY=... tests/ecosystem/python.sh
#
# Needs a running liaison with its demo tenant. Steps:
#   1. a virtualenv in .cache/venv with tests/ecosystem/python/requirements.txt,
#      reinstalled only when that file changes;
#   2. the client generated into .cache/python-client (package liaison_client);
#      fails on any generator warning other than an unsupported request body
#      content type (application/xml, and the form types set aside below), and
#      on any generated module that does not import;
#   3. tests/ecosystem/python/scenario.py against LIAISON_URL.
# LIAISON_OPENAPI_SPEC overrides the document (default openapi/openapi.json).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tests/ecosystem/python"
CACHE="$ROOT/.cache"
VENV="$CACHE/venv"
OUT="$CACHE/python-client"
SPEC="${LIAISON_OPENAPI_SPEC:-$ROOT/openapi/openapi.json}"
REQUIREMENTS="$HERE/requirements.txt"

for var in LIAISON_URL LIAISON_CLIENT_ID LIAISON_CLIENT_SECRET LIAISON_API_KEY; do
    if [[ -z "${!var:-}" ]]; then
        echo "python.sh: $var is not set" >&2
        exit 2
    fi
done

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# --- 1. virtualenv -------------------------------------------------------------
mkdir -p "$CACHE"
STAMP="$VENV/.requirements.sha256"
WANT="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [[ ! -x "$VENV/bin/python" || ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANT" ]]; then
    echo "== python: installing $REQUIREMENTS into $VENV"
    start="$(now)"
    [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
    rm -f "$STAMP"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet -r "$REQUIREMENTS"
    echo "$WANT" > "$STAMP"
    echo "== python: pip install took $(elapsed "$start" "$(now)") s"
else
    echo "== python: $VENV is up to date with requirements.txt"
fi
PY="$VENV/bin/python"
# The generator's post hooks (ruff) come from the virtualenv.
export PATH="$VENV/bin:$PATH"

# --- 2. generate the client ----------------------------------------------------
CONFIG="$CACHE/python-client-config.yaml"
LOG="$CACHE/python-client-generate.log"
# The client is generated for JSON bodies: the operations that also read
# forms list application/x-www-form-urlencoded and multipart/form-data with the
# same schema as JSON, and openapi-python-client (0.29.1 and its main branch)
# mishandles an operation with several body types: it writes `| Unset` into the
# body's annotation without importing it (the module fails to import; upstream
# issue #1451), and with one model for every type it always sends the last
# (multipart; issue #1276). Its `content_type_overrides` renames the form types
# to ones it does not generate, so they are skipped like XML. The forms
# themselves are proved by the Rust tests (tests/api/vendor_clients.rs).
cat > "$CONFIG" <<'EOF'
project_name_override: liaison-client
package_name_override: liaison_client
content_type_overrides:
  application/x-www-form-urlencoded: application/vnd.liaison.form-not-generated
  multipart/form-data: application/vnd.liaison.multipart-not-generated
EOF
rm -rf "$OUT"
echo "== python: generating $OUT from ${SPEC#"$ROOT"/} with $("$VENV/bin/openapi-python-client" --version)"
start="$(now)"
status=0
"$VENV/bin/openapi-python-client" generate --path "$SPEC" --output-path "$OUT" \
    --config "$CONFIG" --overwrite > "$LOG" 2>&1 || status=$?
echo "== python: generation took $(elapsed "$start" "$(now)") s"
if [[ $status -ne 0 || ! -d "$OUT/liaison_client" ]]; then
    cat "$LOG"
    echo "python.sh: openapi-python-client failed (exit $status)" >&2
    exit 1
fi

# Every line of the generator's output that is not an indented or JSON dump
# must be one of the expected ones; a warning header with anything after it
# ("Endpoint will not be generated.") or any other message fails.
"$PY" - "$LOG" <<'EOF'
import re
import sys
from collections import Counter

allowed_types = (
    "application/xml",
    "application/vnd.liaison.form-not-generated",
    "application/vnd.liaison.multipart-not-generated",
)
header = re.compile(r"WARNING parsing [A-Z]+ \S+ within \S+\.")
ignorable = [
    re.compile(r"Generating .*"),
    re.compile(r"Warning\(s\) encountered while generating\. Client was generated, but some pieces may be missing"),
    re.compile(r"If you believe this was a mistake or this tool is missing a feature you need, please open an issue at .*"),
]
content = re.compile(r"Unsupported content type (\S+)")

warnings = 0
types = Counter()
unexpected = []
current = None
for number, raw in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    line = raw.rstrip("\n")
    if not line.strip() or line[0] in " \t{}[]":
        continue
    if header.fullmatch(line):
        warnings += 1
        current = line
        continue
    if any(p.fullmatch(line) for p in ignorable):
        continue
    match = content.fullmatch(line)
    if match and match.group(1) in allowed_types and current is not None:
        types[match.group(1)] += 1
        continue
    unexpected.append(f"line {number}: {line}")

if unexpected:
    print(open(sys.argv[1], encoding="utf-8").read())
    print("python.sh: unexpected openapi-python-client output:", file=sys.stderr)
    for line in unexpected:
        print(f"  {line}", file=sys.stderr)
    sys.exit(1)
detail = ", ".join(f"{n} x {t}" for t, n in sorted(types.items())) or "none"
print(f"== python: {warnings} accepted generator warnings (unsupported request body content types: {detail})")
EOF

# A generated module that does not even import (e.g. a name used but never
# imported) fails here, with its name, rather than inside the scenario.
PYTHONPATH="$OUT" "$PY" - <<'EOF'
import importlib
import pkgutil
import sys

import liaison_client

broken = []
count = 0
for module in pkgutil.walk_packages(liaison_client.__path__, "liaison_client."):
    count += 1
    try:
        importlib.import_module(module.name)
    except Exception as exc:  # noqa: BLE001
        broken.append(f"{module.name}: {type(exc).__name__}: {exc}")
if broken:
    print("python.sh: generated modules that do not import:", file=sys.stderr)
    for line in broken:
        print(f"  {line}", file=sys.stderr)
    sys.exit(1)
print(f"== python: all {count} generated modules import")
EOF

# --- 3. scenario ---------------------------------------------------------------
echo "== python: running scenario.py against $LIAISON_URL"
PYTHONPATH="$OUT" "$PY" "$HERE/scenario.py"
