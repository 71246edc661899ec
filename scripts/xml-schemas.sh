# Sourced by scripts/test: the XML answers the tests receive are kept (the
# harness writes each to LIAISON_TEST_XML_DIR) and validated afterwards
# against the committed XML Schemas (openapi/liaison.xsd, which imports
# openapi/problem.xsd) with xmllint. A document with an element the schemas
# do not know must be refused first, so that the check cannot pass by
# checking nothing.
#
# Without xmllint (Debian: libxml2-utils; installed here when apt-get can)
# the check is skipped with a loud warning; under CI=true that is an error.

xml_answers=""

xml_answers_stop() {
  if [ -n "$xml_answers" ]; then
    rm -rf "$xml_answers"
    xml_answers=""
  fi
}

xml_answers_ensure() {
  if ! command -v xmllint >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing xmllint (libxml2-utils)"
    apt-get install -y -qq libxml2-utils >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq libxml2-utils >/dev/null 2>&1; } || true
  fi
  if ! command -v xmllint >/dev/null 2>&1; then
    echo "WARNING: xmllint is not installed (apt-get install libxml2-utils): the XML answers are not checked against openapi/liaison.xsd" >&2
    if [ "${CI:-}" = true ]; then
      echo "error: CI=true requires xmllint" >&2
      return 1
    fi
    return 0
  fi
  xml_answers=$(mktemp -d /tmp/liaison-xml.XXXXXX)
  export LIAISON_TEST_XML_DIR="$xml_answers/answers"
}

# Validates every kept answer; prints how many, and each one refused. With
# an argument (the tests were filtered), no answer at all is not an error.
xml_answers_check() {
  [ -n "$xml_answers" ] || return 0
  local filtered=${1:-} schema=openapi/liaison.xsd count sample log refused
  count=$(find "$LIAISON_TEST_XML_DIR" -name '*.xml' 2>/dev/null | wc -l)
  if [ "$count" -eq 0 ]; then
    [ -n "$filtered" ] && { echo "xmllint: these tests received no XML answer"; return 0; }
    echo "error: the tests kept no XML answer in $LIAISON_TEST_XML_DIR" >&2
    return 1
  fi
  # The control: an answer with one element no schema declares, last in its root.
  sample=$(find "$LIAISON_TEST_XML_DIR" -name '*.xml' | sort | head -n 1)
  sed 's|</\([^<>]*\)>$|<notInTheSchema/></\1>|' "$sample" >"$xml_answers/wrong.xml"
  if ! grep -q '<notInTheSchema/>' "$xml_answers/wrong.xml" ||
    xmllint --noout --schema "$schema" "$xml_answers/wrong.xml" >/dev/null 2>&1; then
    echo "error: $schema did not refuse a document with an unknown element ($xml_answers/wrong.xml)" >&2
    return 1
  fi
  log="$xml_answers/xmllint.log"
  find "$LIAISON_TEST_XML_DIR" -name '*.xml' -print0 | sort -z |
    xargs -0 xmllint --noout --schema "$schema" >"$log" 2>&1 || true
  refused=$(grep -c ' fails to validate$' "$log" || true)
  if [ "$refused" != 0 ] || [ "$(grep -c ' validates$' "$log" || true)" != "$count" ]; then
    echo "error: $refused of the $count XML answers the tests received do not validate against $schema:" >&2
    grep -v ' validates$' "$log" | head -n 50 >&2
    return 1
  fi
  echo "xmllint: all $count XML answers the tests received validate against $schema (and a document with an unknown element is refused)"
}
