"""Classifies openapi-generator's warnings: the generator's own, or our spec's.

    warnings.py [--summary FILE] GENERATOR=LOG...

Each LOG is one generator's output (`[thread] LEVEL logger - message` lines).
Every WARN or ERROR line must match an entry of ALLOWED for its generator: a
warning the generator prints whatever the spec, or for something the wire format
fixes. Anything else points at our spec (a name the generator has to rewrite, a
schema it cannot map) and fails the build, listed with its count. An entry with
a limit allows at most that many: the ones past it fail too (the message does not
say which schema it is about, so a new one must not hide behind an old one). The
counts per entry go to stdout and to the summary file.
"""

from __future__ import annotations

import re
import sys
from collections import Counter

# (pattern over the message, one-line reason it is the generator's own, at most
# this many or None).
ALLOWED: dict[str, list[tuple[re.Pattern[str], str, int | None]]] = {
    "python": [
        (
            re.compile(r"Failed to get the schema name: null"),
            "ModelUtils.getSimpleRef is asked for the $ref of a schema that has none; printed for "
            "any spec (a one-operation spec with no components gets it too), throttled per interval",
            None,
        ),
        (
            re.compile(r"Codegen property is null \(e\.g\. map/dict of undefined type\)\. Default to typing\.Any\."),
            "RelationshipUserDone, the vendor's literal {} answered by updateRelationshipUser and "
            "deleteRelationshipUser: an object without properties has no value type for this generator "
            "(additionalProperties false, properties {} or maxProperties 0 change nothing); Dict[str, Any] is right",
            2,
        ),
    ],
    "typescript-fetch": [],
    "go": [],
    "java": [],
    "rust": [
        (
            re.compile(r"[A-Z][A-Za-z0-9+.\-]* cannot be used as a model name\. Renamed to [A-Za-z0-9]*Slash[A-Za-z0-9]*"),
            "every media type of every request and response body (application/json, .../xml, "
            ".../problem+json, .../problem+xml) goes through toModelName; no such model is generated",
            None,
        ),
        (
            re.compile(r"(in|type) cannot be used as a field/variable name\. Renamed to r#(in|type)"),
            "Rust keywords as wire names fixed elsewhere (RFC 9457 Problem.type, the form "
            "validations' InclusionValidation.in): raw identifiers, serde keeps the name",
            None,
        ),
        (
            re.compile(
                r"(?:[a-z_]+\[(?:eq|contains|lt|gt)\] cannot be used as a (?:field/variable|parameter) name\. "
                r"Renamed to [a-z_]+_left_square_bracket_(?:eq|contains|lt|gt)_right_square_bracket"
                r"|[A-Za-z]+\[(?:eq|contains|lt|gt)\] cannot be used as a model name\. "
                r"Renamed to [A-Za-z]+LeftSquareBracket(?:Eq|Contains|Lt|Gt)RightSquareBracket)"
            ),
            "the list's filters, one query parameter per operator named as on the wire (name[contains]): "
            "brackets are no Rust identifier, so the argument is name_left_square_bracket_contains_right_square_bracket "
            "and the query still says name[contains]; no such model is generated",
            None,
        ),
        (
            re.compile(r"r#in cannot be used as a field/variable name\. Renamed to r_hash_in"),
            "the generator sanitizes its own raw identifier r#in a second time, for a name that "
            "appears nowhere in the generated crate",
            None,
        ),
    ],
}

LINE = re.compile(r"\[[^\]]*\] (WARN|ERROR) +(\S+) - (.*)")


def classify(generator: str, path: str) -> tuple[int, Counter[str], Counter[str]]:
    allowed = ALLOWED[generator]
    total = 0
    explained: Counter[str] = Counter()
    unexplained: Counter[str] = Counter()
    with open(path, encoding="utf-8", errors="replace") as log:
        for raw in log:
            match = LINE.fullmatch(raw.rstrip("\n"))
            if not match:
                continue
            total += 1
            level, logger, message = match.groups()
            entry = next((e for e in allowed if level == "WARN" and e[0].fullmatch(message)), None)
            if entry is None:
                unexplained[f"{level} {logger} - {message}"] += 1
            elif entry[2] is not None and explained[entry[1]] >= entry[2]:
                unexplained[f"{level} {logger} - {message} (more than the {entry[2]} allowed)"] += 1
            else:
                explained[entry[1]] += 1
    return total, explained, unexplained


def main(argv: list[str]) -> int:
    summary_path = None
    if argv[:1] == ["--summary"]:
        summary_path, argv = argv[1], argv[2:]
    lines: list[str] = []
    failed = False
    for argument in argv:
        generator, _, path = argument.partition("=")
        if generator not in ALLOWED or not path:
            print(f"usage: warnings.py [--summary FILE] GENERATOR=LOG... ({', '.join(ALLOWED)})", file=sys.stderr)
            return 2
        total, explained, unexplained = classify(generator, path)
        lines.append(f"{generator}: {total} warnings, {sum(unexplained.values())} pointing at the spec ({path})")
        for reason, count in explained.most_common():
            lines.append(f"  {count:5} generator's own: {reason}")
        for message, count in unexplained.most_common():
            lines.append(f"  {count:5} NOT ALLOWED: {message}")
        failed = failed or bool(unexplained)
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if summary_path:
        with open(summary_path, "w", encoding="utf-8") as summary:
            summary.write(text)
    if failed:
        print(
            "openapi-generator: warnings above marked NOT ALLOWED point at openapi/openapi.json: fix the spec, "
            "or, if the generator prints one whatever the spec, add it to tests/ecosystem/openapi-generator/warnings.py "
            "with its reason",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
