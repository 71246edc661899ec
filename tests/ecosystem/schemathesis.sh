#!/usr/bin/env bash
# schemathesis against a running liaison: every operation of its served
# /openapi.json, every check, every phase (examples, coverage, fuzzing,
# stateful), settings in schemathesis/schemathesis.toml (seed, 100 examples
# per operation), failures where neither side is wrong set aside by
# schemathesis/hooks.py, each one logged.
#
#   LIAISON_URL=http://127.0.0.1:8080 LIAISON_CLIENT_ID=demo \
#   LIAISON_CLIENT_SECRET=... tests/ecosystem/schemathesis.sh
#
# SCHEMATHESIS_MAX_EXAMPLES overrides the examples per operation (a quick look).
# The pinned schemathesis installs into .cache/schemathesis-venv, again only
# when its requirements change. Exit status: schemathesis's.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tests/ecosystem/schemathesis"
VENV="$ROOT/.cache/schemathesis-venv"
ARTIFACTS="$ROOT/.cache/artifacts"

for var in LIAISON_URL LIAISON_CLIENT_ID LIAISON_CLIENT_SECRET; do
  if [[ -z "${!var:-}" ]]; then
    echo "schemathesis.sh: $var is not set" >&2
    exit 2
  fi
done

stamp="$VENV/.requirements"
if ! cmp -s "$HERE/requirements.txt" "$stamp" 2>/dev/null; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
  cp "$HERE/requirements.txt" "$stamp"
fi

token=$(curl -sf -u "$LIAISON_CLIENT_ID:$LIAISON_CLIENT_SECRET" -d grant_type=client_credentials \
  "$LIAISON_URL/oauth2/token" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

mkdir -p "$ARTIFACTS"
set_aside="$ARTIFACTS/schemathesis-set-aside-$(date +%s).tsv"
extra=()
if [[ -n "${SCHEMATHESIS_MAX_EXAMPLES:-}" ]]; then
  extra+=(--max-examples "$SCHEMATHESIS_MAX_EXAMPLES")
fi
status=0
(
  cd "$HERE"
  SCHEMATHESIS_SET_ASIDE="$set_aside" SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$HERE" \
    "$VENV/bin/st" --config-file schemathesis.toml run "$LIAISON_URL/openapi.json" \
    -H "Authorization: Bearer $token" --checks all "${extra[@]}"
) || status=$?
if [[ -s "$set_aside" ]]; then
  echo "set aside by hooks.py (reason, count):"
  cut -f1 "$set_aside" | sort | uniq -c
fi
exit "$status"
