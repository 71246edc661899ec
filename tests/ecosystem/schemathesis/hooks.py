"""Failures schemathesis reports where neither the spec nor the server is wrong.

Each filter below drops one kind of failure, states why, and logs every
dropped one (to SCHEMATHESIS_SET_ASIDE, one line each) so a run shows what it
set aside. Anything else fails the run.
"""

import ipaddress
import json
import os
import re
import urllib.parse

import schemathesis

LOG = os.environ.get("SCHEMATHESIS_SET_ASIDE")


def _set_aside(reason: str, case, response) -> bool:
    if LOG:
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(f"{reason}\t{case.method} {case.formatted_path}\t{response.status_code}\n")
    return False


def _json(response):
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


def _has_null(value) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_null(v) for v in value)
    return False


def _has_empty_list(value) -> bool:
    if isinstance(value, list):
        return not value or any(_has_empty_list(v) for v in value)
    if isinstance(value, dict):
        return any(_has_empty_list(v) for v in value.values())
    return False


def _field_errors(body) -> list:
    """(field, message) of a problem details or Relationship users body."""
    if not isinstance(body, dict):
        return []
    if isinstance(body.get("errors"), list):
        # Risk relationships' messages begin with the field's name.
        return [(e.get("field", e.get("message", "")), e.get("message", "")) for e in body["errors"] if isinstance(e, dict)]
    if isinstance(body.get("errors"), dict):
        return [(field, message) for field, messages in body["errors"].items() for message in messages]
    return []


# Risk relationships (seeds/002): what a relationship refers to must be the
# tenant's own data (organizations, users, supplier, setup values, parent,
# addresses, defined extension fields and their lengths); the document
# answers 400 ValidationError naming the reference.
RISK_REFERENCE = re.compile(
    r"does not exist$|of the tenant's setup data$|must be a subcategory of the given category$"
    r"|would make a cycle of parent relationships$|cannot be the relationship itself$"
    r"|is not an address of the relationship's supplier$|^extensionFields\..* (is not a defined extension field"
    r"|must be at most \d+ characters|is required)$|^supplier cannot change on update",
    # An extension field's name (a map key) may hold a line break.
    re.DOTALL,
)

# A map's keys: OpenAPI 3.0 has no `propertyNames`, so a schema cannot say
# which keys a map takes (form configurations' field names, relationship
# users' property names, which the edge also holds to storable text). A
# form name whose key holds a bracket cannot be read as nesting, so the
# error names it as sent: `form[properties][a[b]`.
MAP_KEY = re.compile(r"^(fields|form\.properties|extensionFields)\.|^form\[properties\]\[")


def _undeclared(case) -> list:
    """Top-level body properties the operation's closed body schema does not declare."""
    if not isinstance(case.body, dict):
        return []
    try:
        content = case.operation.definition.raw["requestBody"]["content"]
        schema = content[case.media_type]["schema"]
        name = schema["$ref"].rsplit("/", 1)[-1]
        declared = case.operation.schema.raw_schema["components"]["schemas"][name]
    except (KeyError, TypeError, AttributeError):
        return []
    if declared.get("additionalProperties") is not False:
        return []
    return [key for key in case.body if key not in declared.get("properties", {})]


# Webhooks (WebhookInput). `url` is "an absolute http or https URL, at most
# 2,048 characters, without a user name or password": a grammar JSON Schema
# cannot state (format "uri" is RFC 3986, of any scheme, and generators
# ignore it), so its schema is a string. A refused URL is set aside only when
# this parse, stricter than the server's (no white space at all; the host a
# name, a dotted IPv4 or a bracketed IPv6 address), also finds it is not one.
HOST_NAME = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$")


def _http_url(value) -> bool:
    if not isinstance(value, str) or len(value) > 2048 or any(c.isspace() or not c.isprintable() for c in value):
        return False
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not one
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not value[len(parts.scheme) :].startswith("://"):
        return False
    if "@" in parts.netloc or not parts.hostname:
        return False
    host = parts.netloc.rsplit(":", 1)[0] if not parts.netloc.endswith("]") else parts.netloc
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return True
    last = host.rstrip(".").rsplit(".", 1)[-1]
    if re.fullmatch(r"[0-9]+|0[xX][0-9A-Fa-f]*", last):
        # A host ending in a number is an IPv4 address to a URL parser.
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return False
    return bool(HOST_NAME.match(host))


# `events` items are `*`, a resource type (the spec's ResourceType), or a type
# and an operation (ChangeOperation), either part `*`: the grammar is in the
# description, the items' schema is any string. A refused pattern is set
# aside only when it is outside that grammar, read from the spec's own enums.
def _event_pattern(value, case) -> bool:
    try:
        schemas = case.operation.schema.raw_schema["components"]["schemas"]
        resources = set(schemas["ResourceType"]["enum"]) | {"*"}
        operations = set(schemas["ChangeOperation"]["enum"]) | {"*"}
    except (KeyError, TypeError, AttributeError):
        return True
    if not isinstance(value, str):
        return False
    resource, operation = value.split(".", 1) if "." in value else (value, "*")
    return resource in resources and operation in operations


def _media_type(case) -> str:
    return (case.media_type or "").split(";")[0].strip().lower()


@schemathesis.hook
def filter_failure(context, failure, case, response):
    code = getattr(failure, "code", "")
    status = response.status_code
    body = _json(response)

    # XML and form bodies are text: `<name>12</name>` or `name=null` is a
    # string, an empty element is how XML says "no value". A JSON type or a
    # format the generator broke in such a body is no longer broken once
    # it is text, so "accepted" is right (JSON bodies are checked).
    if code == "ST201" and _media_type(case) != "application/json" and "in body" in (failure.message or ""):
        return _set_aside("xml-or-form-text-has-no-json-types", case, response)

    # OpenAPI's XML mapping has no null: an absent element, or xsi:nil.
    # The generator writes JSON's null as the text "null" (`<active>null</active>`),
    # which is a string, and the server rightly says a boolean it is not.
    if code == "ST202" and _media_type(case) == "application/xml" and _has_null(case.body):
        return _set_aside("xml-has-no-null-text", case, response)

    # RFC 9110 13.1.1: an If-Match naming no current version gets 412; the
    # generator cannot know the row's ETag. 13.2.1: preconditions are
    # evaluated before the content is processed, so a broken body with a
    # stale If-Match is 412 too.
    if code in ("ST201", "ST202") and status == 412 and any(k.lower() == "if-match" for k in (case.headers or {})):
        return _set_aside("if-match-names-no-current-version", case, response)

    # Related users (seeds/003) answers a user it does not hold with its
    # documented 400 and code 1005, not 404.
    if code == "ST202" and status == 400 and isinstance(body, dict) and (body.get("exception") or {}).get("code") == 1005:
        return _set_aside("related-users-1005-user-does-not-exist", case, response)

    # Relationship users (seeds/000): the tenant's form configuration holds
    # the rules a form is validated against (presence, inclusion, format,
    # uniqueness); a schema cannot state data. 422 {"errors": {...}} is the
    # documented answer.
    if code == "ST202" and status == 422 and case.path.startswith("/api/user/relationship_users"):
        return _set_aside("relationship-users-form-configuration-rules", case, response)

    # Related users (seeds/003) knows no 405: any other method on its paths
    # is "Resource sub not found" (404), in its words (issue 12).
    if code == "ST204" and status == 404 and case.path.startswith("/api/user/related"):
        return _set_aside("related-users-documents-404-for-other-methods", case, response)

    # OpenAPI's XML mapping has no empty list: an unwrapped array with no
    # items is no element at all, so `{"in": []}` arrives without `in`.
    if code == "ST202" and _media_type(case) == "application/xml" and _has_empty_list(case.body):
        return _set_aside("xml-has-no-empty-list", case, response)

    if code == "ST202" and status == 400 and case.path.startswith("/api/relationships") and isinstance(body, dict):
        messages = [e.get("message", "") for e in body.get("errors") or [] if isinstance(e, dict)]
        if messages and all(RISK_REFERENCE.search(m) for m in messages):
            return _set_aside("risk-references-name-tenant-data", case, response)

    fields = _field_errors(body)
    if code == "ST202" and status == 400 and case.path.startswith("/api/setup/webhooks") and fields:
        # Every field named must be one the grammars above refuse too.
        hook = case.body if isinstance(case.body, dict) else {}
        events = hook.get("events") if isinstance(hook.get("events"), list) else []

        def explained(field: str) -> str | None:
            if field == "url":
                return None if _http_url(hook.get("url")) else "url-is-no-http-url"
            index = re.fullmatch(r"events\.(\d+)", field)
            if index and int(index.group(1)) < len(events) and not _event_pattern(events[int(index.group(1))], case):
                return "events-outside-the-described-grammar"
            return None

        reasons = sorted({explained(field) for field, _ in fields}, key=str)
        if None not in reasons:
            return _set_aside("webhook-" + "-and-".join(reasons), case, response)
    # A list's `after` is an opaque cursor: the next link of a full page
    # carries it. A schema cannot say which strings are cursors this service
    # wrote, so a made-up one is schema-valid and rightly refused.
    if code == "ST202" and status == 400 and fields and all(
        field.startswith("after") and "is not a cursor" in message for field, message in fields
    ):
        return _set_aside("after-is-an-opaque-cursor", case, response)
    # The coverage phase sometimes sends properties the body's schema does not
    # declare ("All required properties" with the fields of another
    # operation), where the schema says `additionalProperties: false`: such a
    # body is not schema-valid, and refusing it is right.
    if code == "ST202" and status == 400 and _undeclared(case):
        return _set_aside("generator-sent-undeclared-properties", case, response)
    if code == "ST202" and status == 400 and fields and all(MAP_KEY.match(field) for field, _ in fields):
        return _set_aside("openapi-3.0-cannot-constrain-map-keys", case, response)

    return True


@schemathesis.hook
def before_call(context, case, kwargs):
    """HTTP headers are text: a stateful link can carry a number from a
    response body into a header parameter (the correlation id), which the
    requests library refuses before anything is sent. Send its text."""
    for name, value in list((case.headers or {}).items()):
        if not isinstance(value, (str, bytes)):
            case.headers[name] = str(value)
    # The change feed's long poll answers an empty page after `wait` seconds
    # (up to 30): hundreds of generated calls would wait for hours. The
    # Rust suite tests the wait (tests/api/changes.rs); here it is 0.
    if case.path == "/api/changes" and isinstance(case.query, dict) and "wait" in case.query:
        case.query["wait"] = 0
