# call LABEL CURL-ARGS...: sends one request with curl and prints its label, status and
# body; the body is left in $BODY. A call that gets no answer, or not a 2xx, ends the
# script with what it got (no traceback to read through).
call() {
  local label=$1 out status
  shift
  out=$(curl -sS -w '\n%{http_code}' "$@") || { echo "$label: no answer from ${URL:-liaison}" >&2; exit 1; }
  status=${out##*$'\n'}
  BODY=${out%$'\n'*}
  echo "== $label: HTTP $status"
  echo "$BODY"
  case $status in
    2*) ;;
    *) echo "$label failed with HTTP $status (body above)" >&2; exit 1 ;;
  esac
}

# json FIELD: the field FIELD of the JSON in $BODY.
json() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$BODY" "$1"; }
