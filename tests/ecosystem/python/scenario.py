"""End-to-end scenario for the Python client generated from openapi/openapi.json.

Every request goes through the generated package `liaison_client`
(openapi-python-client); nothing here speaks HTTP on its own, except the
webhook receiver it runs (http.server on 127.0.0.1), whose deliveries are
verified with `standardwebhooks`, an implementation of Standard Webhooks
independent of liaison's (the server must allow private webhook URLs and
retry after about a second: scripts/ecosystem starts it so). Reads
LIAISON_URL, LIAISON_CLIENT_ID, LIAISON_CLIENT_SECRET and LIAISON_API_KEY,
prints one line per check and ends with `N passed, M failed`; exits 1 when a
check failed.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import threading
import time
import traceback
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import standardwebhooks

from liaison_client import AuthenticatedClient, Client
from liaison_client.types import UNSET, Response
from liaison_client.api.changes import list_changes
from liaison_client.api.o_auth import create_token
from liaison_client.api.related_users import create_related_user, update_related_user
from liaison_client.api.relationship_users import (
    create_relationship_user,
    get_relationship_user,
    update_relationship_user,
)
from liaison_client.api.risk_relationships import (
    create_relationship,
    get_relationship,
    list_relationships,
    update_relationship,
)
from liaison_client.api.webhooks import (
    create_webhook,
    delete_webhook,
    get_webhook,
    list_webhook_deliveries,
    list_webhooks,
    redeliver_webhook_delivery,
    update_webhook,
)
from liaison_client.models import (
    Change,
    ChangeOperation,
    Delivery,
    DeliveryAttemptList,
    DeliveryOutcome,
    Problem,
    Webhook,
    WebhookCreated,
    WebhookInput,
    WebhookList,
    FormErrors,
    RelatedErrorEnvelope,
    RelatedUserCreate,
    RelatedUserEnvelope,
    RelatedUserUpdate,
    RelationshipCreate,
    RelationshipEnvelope,
    RelationshipInput,
    RelationshipListEnvelope,
    RelationshipUser,
    RelationshipUserCreate,
    RelationshipUserCreated,
    RelationshipUserUpdate,
    RelationshipWrittenEnvelope,
    ResourceType,
    ChangePage,
    RiskErrorCode,
    RiskErrorEnvelope,
    TokenRequest,
    TokenResponse,
)

URL = os.environ["LIAISON_URL"].rstrip("/")
CLIENT_ID = os.environ["LIAISON_CLIENT_ID"]
CLIENT_SECRET = os.environ["LIAISON_CLIENT_SECRET"]
API_KEY = os.environ["LIAISON_API_KEY"]

ORGANIZATION = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
INTERNAL_MANAGER = "a218d8e5-8c7a-4f3e-9b12-111111111111"
EXTERNAL_MANAGER = "b218d8e5-8c7a-4f3e-9b12-222222222222"
SUPPLIER = "5e1f8f9a-7d1c-4a43-9f53-0b1a9e6c2d10"
SUPPLIER_ADDRESS = "5e1f8f9a-7d1c-4a43-9f53-0b1a9e6c2d11"
# What the example body does not say, set on create: a PUT of that body keeps it.
UNSAID = {"thirdPartyLocations": [SUPPLIER_ADDRESS], "extensionFields": {"riskScore": "low"}}

# The vendor document's example body of PUT /api/relationships/{relationshipId}.
EXAMPLE_BODY = {
    "name": "Example relationship (updated)",
    "startEffectiveDate": "2026-05-01",
    "organizations": [ORGANIZATION],
    "internalManager": INTERNAL_MANAGER,
    "externalManager": EXTERNAL_MANAGER,
    "classification": "classification1",
    "category": "Cat1",
    "internalAccess": "Team",
    "externalAccess": "Team",
    "status": "Relationship_Active",
}

RUN = f"py-client-{uuid.uuid4().hex[:12]}"
passed = 0
failed = 0


def check(name: str, ok: bool, detail: object = "") -> bool:
    global passed, failed
    if ok:
        passed += 1
        print(f"ok    {name}")
    else:
        failed += 1
        print(f"FAIL  {name}: {detail}")
    return ok


def step(name: str, fn) -> object:
    """Runs one step; an exception counts as one failed check."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - any error is a failed check
        check(name, False, f"{type(exc).__name__}: {exc}")
        traceback.print_exc(file=sys.stdout)
        return None


def expect(name: str, response, status: int, parsed_type: type):
    """Checks a Response's status and the type of its parsed body."""
    body = response.parsed
    ok = response.status_code == HTTPStatus(status) and isinstance(body, parsed_type)
    check(
        f"{name} -> {status} {parsed_type.__name__}",
        ok,
        f"got {int(response.status_code)} {type(body).__name__}: {response.content[:300]!r}",
    )
    return body if ok else None


def list_by_name(client: AuthenticatedClient, text: str) -> Response[RelationshipListEnvelope]:
    """listRelationships with `name[contains]=text`: the generated call's own
    argument (openapi-python-client spells the parameter `name[contains]` as
    `namecontains`)."""
    return list_relationships.sync_detailed(client=client, namecontains=text, limit=50)


# --- OAuth ------------------------------------------------------------------


def get_token() -> str | None:
    anonymous = Client(base_url=URL, raise_on_unexpected_status=True)
    response = create_token.sync_detailed(
        client=anonymous,
        body=TokenRequest(
            grant_type="client_credentials",
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
        ),
    )
    token = expect("createToken client_credentials", response, 200, TokenResponse)
    if token is None:
        return None
    check(
        "createToken token_type is Bearer",
        token.token_type.lower() == "bearer" and bool(token.access_token),
        token.to_dict(),
    )
    return token.access_token


# --- Risk relationships -----------------------------------------------------


def relationships(client: AuthenticatedClient) -> str | None:
    name = f"Python client {RUN}"
    body = RelationshipCreate.from_dict({**EXAMPLE_BODY, **UNSAID, "name": name, "supplier": SUPPLIER})
    written = expect(
        "createRelationship",
        create_relationship.sync_detailed(client=client, body=body),
        201,
        RelationshipWrittenEnvelope,
    )
    if written is None:
        return None
    entity_id = str(written.result.entity_id)
    check("createRelationship success envelope", written.success and written.errors == [], written.to_dict())

    got = expect(
        "getRelationship (new)",
        get_relationship.sync_detailed(entity_id, client=client),
        200,
        RelationshipEnvelope,
    )
    if got is not None:
        rel = got.result
        check(
            "getRelationship fields",
            str(rel.entity_id) == entity_id
            and rel.name == name
            and str(rel.supplier.entity_id) == SUPPLIER
            and str(rel.internal_manager.entity_id) == INTERNAL_MANAGER
            and [str(o.entity_id) for o in rel.organizations] == [ORGANIZATION]
            and rel.internal_access.value == "Team"
            and rel.status.value == "Relationship_Active"
            and rel.relationship_number.startswith("R"),
            rel.to_dict(),
        )

    listed = expect(
        "listRelationships name[contains]",
        list_by_name(client, RUN),
        200,
        RelationshipListEnvelope,
    )
    if listed is not None:
        check(
            "listRelationships name[contains] finds exactly the new relationship",
            [str(r.entity_id) for r in listed.result] == [entity_id] and listed.total_count == 1,
            listed.to_dict(),
        )

    update_body = RelationshipInput.from_dict(EXAMPLE_BODY)  # supplier omitted: allowed on PUT
    check(
        "RelationshipInput.from_dict(example) sends no null for the lists and maps it does not set",
        not set(UNSAID) & set(update_body.to_dict()),
        update_body.to_dict(),
    )
    updated = expect(
        "updateRelationship (PUT, vendor example body)",
        update_relationship.sync_detailed(entity_id, client=client, body=update_body),
        200,
        RelationshipWrittenEnvelope,
    )
    if updated is not None:
        check(
            "updateRelationship returns the same entityId",
            str(updated.result.entity_id) == entity_id,
            updated.to_dict(),
        )
        after = get_relationship.sync_detailed(entity_id, client=client).parsed
        check(
            "getRelationship after PUT: renamed, supplier kept",
            isinstance(after, RelationshipEnvelope)
            and after.result.name == EXAMPLE_BODY["name"]
            and str(after.result.supplier.entity_id) == SUPPLIER,
            after.to_dict() if after is not None else None,
        )
        if got is not None and isinstance(after, RelationshipEnvelope):
            # GET -> model -> PUT: what the body did not say is as it was.
            moved = {"name", "modifiedAt", "version"}
            before_fields = {k: v for k, v in got.result.to_dict().items() if k not in moved}
            after_fields = {k: v for k, v in after.result.to_dict().items() if k not in moved}
            check(
                "getRelationship after PUT: every field but the name as before (locations, extension fields kept)",
                before_fields == after_fields
                and [str(l.entity_id) for l in after.result.third_party_locations] == [SUPPLIER_ADDRESS]
                and after.result.extension_fields.to_dict() == UNSAID["extensionFields"],
                {k: (before_fields.get(k), after_fields.get(k)) for k in before_fields.keys() | after_fields.keys()
                 if before_fields.get(k) != after_fields.get(k)},
            )

    history = expect(
        "listChanges of the relationship (its history)",
        list_changes.sync_detailed(client=client, resource=ResourceType.RELATIONSHIPS, id=entity_id),
        200,
        ChangePage,
    )
    if history is not None:
        operations = [(c.operation.value, c.version) for c in history.changes]
        renames = [f for c in history.changes for f in c.fields if f.field == "name"]
        check(
            "listChanges: created at version 1, then the PUT at 2, its name before and after",
            operations == [("create", 1), ("update", 2)]
            and [(f.before, f.after) for f in renames] == [(None, name), (name, EXAMPLE_BODY["name"])]
            and all(c.actor.startswith("client:") for c in history.changes),
            history.to_dict(),
        )

    renamed = expect(
        "listRelationships name[contains] after the rename",
        list_by_name(client, RUN),
        200,
        RelationshipListEnvelope,
    )
    if renamed is not None:
        check(
            "listRelationships no longer matches the old name",
            renamed.result == [] and renamed.total_count == 0,
            renamed.to_dict(),
        )

    missing = expect(
        "getRelationship unknown id",
        get_relationship.sync_detailed(str(uuid.uuid4()), client=client),
        404,
        RiskErrorEnvelope,
    )
    if missing is not None:
        check(
            "getRelationship 404 envelope: DataNotFound, Relationship not found",
            missing.success is False
            and len(missing.errors) >= 1
            and missing.errors[0].error_code == RiskErrorCode.DATANOTFOUND
            and missing.errors[0].message == "Relationship not found",
            missing.to_dict(),
        )
    return entity_id


# --- Related users ----------------------------------------------------------


def related_users(client: AuthenticatedClient) -> None:
    created = expect(
        "createRelatedUser",
        create_related_user.sync_detailed(
            client=client, body=RelatedUserCreate(username="dleite", name="alias-from-python")
        ),
        200,
        RelatedUserEnvelope,
    )
    if created is None:
        return
    user = created.related_users
    check(
        "createRelatedUser body",
        user.username == "dleite" and user.name == "alias-from-python" and user.id.isdigit(),
        created.to_dict(),
    )

    new_name = f"alias-from-python-{RUN}"
    updated = expect(
        "updateRelatedUser",
        update_related_user.sync_detailed(
            client=client, body=RelatedUserUpdate(id=int(user.id), username="dleite", name=new_name)
        ),
        201,
        RelatedUserEnvelope,
    )
    if updated is not None:
        check(
            "updateRelatedUser body",
            updated.related_users.id == user.id and updated.related_users.name == new_name,
            updated.to_dict(),
        )

    error = expect(
        "updateRelatedUser unknown username",
        update_related_user.sync_detailed(
            client=client,
            body=RelatedUserUpdate(id=int(user.id), username=f"nobody-{RUN}", name="x"),
        ),
        400,
        RelatedErrorEnvelope,
    )
    if error is not None:
        check(
            "updateRelatedUser 400 envelope: 1005: User does not exist",
            error.response.message == "1005: User does not exist" and error.response.error is True,
            error.to_dict(),
        )


# --- Relationship users -----------------------------------------------------


def relationship_users(client: AuthenticatedClient, relationship_id: str) -> None:
    created = expect(
        "createRelationshipUser",
        create_relationship_user.sync_detailed(
            client=client,
            body=RelationshipUserCreate.from_dict(
                {
                    "form_configuration_name": "reference_rest_api_relationship_user_create",
                    "parent_resource_id": "team_members",
                    "form": {
                        "relationship_id": relationship_id,
                        "user_id": "3",
                        "properties": {"status": "pending"},
                    },
                }
            ),
        ),
        201,
        RelationshipUserCreated,
    )
    if created is None:
        return
    check(
        "createRelationshipUser body {id, errors: {}}",
        created.id > 0 and created.errors.to_dict() == {},
        created.to_dict(),
    )
    user_id = created.id

    response = update_relationship_user.sync_detailed(
        user_id,
        client=client,
        body=RelationshipUserUpdate.from_dict(
            {
                "form_configuration_name": "reference_rest_api_relationship_update",
                "form": {"properties": {"status": "not_verified"}},
            }
        ),
    )
    check(
        "updateRelationshipUser -> 200 {}",
        response.status_code == HTTPStatus.OK and response.content.strip() == b"{}",
        f"{int(response.status_code)} {response.content[:300]!r}",
    )

    got = expect(
        "getRelationshipUser",
        get_relationship_user.sync_detailed(user_id, client=client),
        200,
        RelationshipUser,
    )
    if got is not None:
        check(
            "getRelationshipUser shows the update",
            got.id == user_id
            and str(got.relationship_id) == relationship_id
            and got.user_id == 3
            and got.type_name == "team_members"
            and got.properties.to_dict().get("status") == "not_verified",
            got.to_dict(),
        )

    error = expect(
        "updateRelationshipUser status bogus",
        update_relationship_user.sync_detailed(
            user_id,
            client=client,
            body=RelationshipUserUpdate.from_dict(
                {
                    "form_configuration_name": "reference_rest_api_relationship_update",
                    "form": {"properties": {"status": "bogus"}},
                }
            ),
        ),
        422,
        FormErrors,
    )
    if error is not None:
        check(
            "updateRelationshipUser 422 errors[properties.status]",
            error.errors.to_dict().get("properties.status") == ["is not included in the list"],
            error.to_dict(),
        )


# --- Webhooks ---------------------------------------------------------------


class Receiver:
    """A webhook receiver on 127.0.0.1 (a free port), in a thread of this
    process: records each POST (headers, body, the status it answered) and
    answers 500 to the first attempt of each delivery (its `webhook-id`), 200
    to every later one."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver.lock:
                    seen = any(r["headers"].get("webhook-id") == headers.get("webhook-id") for r in receiver.received)
                    status = 200 if seen else 500
                    receiver.received.append(
                        {"path": self.path, "headers": headers, "body": body, "answered": status, "at": time.time()}
                    )
                answer = b"ok" if status == 200 else b"first attempts fail here"
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.path = f"/hooks/{RUN}"
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def posts(self, predicate=lambda post: True) -> list[dict]:
        with self.lock:
            return [dict(post) for post in self.received if predicate(post)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_until(condition, seconds: float = 30.0):
    """Polls `condition` until it returns something true, at most `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(0.1)


def body_json(post: dict):
    try:
        return json.loads(post["body"])
    except ValueError:
        return None


# Events are answered in their full form: a resource type alone is `type.*`.
EVENTS = ["relationships"]
EVENTS_ANSWERED = ["relationships.*"]


def create_hook(client: AuthenticatedClient, receiver: Receiver) -> WebhookCreated | None:
    description = f"Python client {RUN}"
    response = create_webhook.sync_detailed(
        client=client,
        body=WebhookInput(url=receiver.url, events=EVENTS, description=description),
    )
    hook = expect("createWebhook (events [relationships], the receiver's URL on 127.0.0.1)", response, 201, WebhookCreated)
    if hook is None:
        return None
    try:
        key = base64.b64decode(hook.secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        key = b""
    check(
        "createWebhook answers the webhook, active, version 1, with its secret: whsec_ and 32 bytes of base64",
        hook.url == receiver.url
        and hook.events == EVENTS_ANSWERED
        and hook.description == description
        and hook.active is True
        and hook.version == 1
        and hook.secret.startswith("whsec_")
        and len(key) == 32,
        {**hook.to_dict(), "secret": hook.secret[:10] + "..."},
    )
    check(
        "createWebhook Location names the new webhook",
        response.headers.get("Location", "").endswith(f"/api/setup/webhooks/{hook.entity_id}"),
        dict(response.headers),
    )
    return hook


def no_secret(name: str, response, secret: str) -> None:
    check(
        f"{name}: the secret is not in the answer (neither a `secret` field nor its value)",
        b'"secret"' not in response.content and secret.removeprefix("whsec_").encode() not in response.content,
        response.content[:300],
    )


def webhooks(client: AuthenticatedClient, receiver: Receiver, hook: WebhookCreated, relationship_id: str) -> None:
    hook_id = hook.entity_id
    secret = hook.secret

    history = expect(
        "listChanges of the relationship (what the webhook delivers)",
        list_changes.sync_detailed(client=client, resource=ResourceType.RELATIONSHIPS, id=relationship_id),
        200,
        ChangePage,
    )
    if history is None or not history.changes:
        check("the relationship's history has its creation", False, history)
        return
    creation = history.changes[0]
    wanted = {c.seq for c in history.changes}

    def of_creation(post: dict) -> bool:
        body = body_json(post)
        return isinstance(body, dict) and body.get("seq") == creation.seq

    # The relationship's creation: 500 for the first attempt, 200 for the retry about 1 s later.
    wait_until(lambda: len(receiver.posts(of_creation)) >= 2, 30.0)
    posts = receiver.posts(of_creation)
    delivery_ids = {p["headers"].get("webhook-id") for p in posts}
    check(
        "the relationship's creation was POSTed to the receiver twice within 30 s, with one webhook-id: 500, then 200",
        len(posts) == 2 and len(delivery_ids) == 1 and [p["answered"] for p in posts] == [500, 200],
        [(p["headers"].get("webhook-id"), p["answered"]) for p in posts]
        or f"nothing of seq {creation.seq}; got {receiver.posts()}",
    )
    if not posts:
        return
    delivery_id = uuid.UUID(posts[0]["headers"]["webhook-id"])
    first = posts[0]
    # Every change of the relationship (its creation and its PUT) is delivered, and nothing else.
    def seqs(answered=(200, 500)) -> set:
        return {(body_json(p) or {}).get("seq") for p in receiver.posts(lambda p: p["answered"] in answered)}

    wait_until(lambda: seqs((200,)) >= wanted, 30.0)
    check(
        "every change of the relationship (create, update) was delivered, and no change of another resource",
        seqs((200,)) == seqs() == wanted
        and all((body_json(p) or {}).get("resource") == "relationships" for p in receiver.posts()),
        {"delivered": sorted(seqs((200,)), key=str), "received": sorted(seqs(), key=str), "history": sorted(wanted)},
    )

    check(
        "delivery headers: POST to the URL's path, application/json, webhook-timestamp now, webhook-signature v1,...",
        first["path"] == receiver.path
        and first["headers"].get("content-type", "").startswith("application/json")
        and abs(int(first["headers"].get("webhook-timestamp", "0")) - first["at"]) < 60
        and first["headers"].get("webhook-signature", "").startswith("v1,"),
        {k: v for k, v in first["headers"].items() if k != "webhook-signature"},
    )
    delivered = Change.from_dict(json.loads(first["body"]))
    check(
        "the delivered body is the change record GET /api/changes shows (seq, resource, id, operation, fields)",
        delivered.seq == creation.seq
        and delivered.operation == ChangeOperation.CREATE
        and delivered.id == relationship_id
        and delivered.to_dict() == creation.to_dict(),
        {"delivered": delivered.to_dict(), "listed": creation.to_dict()},
    )

    # Standard Webhooks, verified by an implementation that is not liaison's.
    verifier = standardwebhooks.Webhook(secret)
    refused = []
    every = receiver.posts()
    for post in every:
        try:
            verifier.verify(post["body"], post["headers"])
        except standardwebhooks.WebhookVerificationError as exc:
            refused.append((post["headers"].get("webhook-id"), str(exc)))
    check(
        f"standardwebhooks {standardwebhooks.__version__} verifies every delivery received ({len(every)})",
        bool(every) and not refused,
        refused,
    )

    def refuses(name: str, body: bytes, headers: dict, key: str = secret) -> None:
        try:
            standardwebhooks.Webhook(key).verify(body, headers)
        except standardwebhooks.WebhookVerificationError as exc:
            check(f"standardwebhooks refuses {name} ({exc})", True)
        else:
            check(f"standardwebhooks refuses {name}", False, "verified")

    tampered = first["body"].replace(relationship_id.encode(), str(uuid.uuid4()).encode())
    refuses("a tampered body", tampered, first["headers"])
    refuses("another webhook-id", first["body"], {**first["headers"], "webhook-id": str(uuid.uuid4())})
    refuses(
        "another timestamp",
        first["body"],
        {**first["headers"], "webhook-timestamp": str(int(first["headers"]["webhook-timestamp"]) - 1)},
    )
    refuses("another secret", first["body"], first["headers"], "whsec_" + base64.b64encode(os.urandom(32)).decode())

    # The delivery log: both attempts, newest first (the log is written once the receiver has answered).
    def attempts_of(log: DeliveryAttemptList | None) -> list:
        if log is None:
            return []
        return [(a.attempt, a.outcome, a.status) for a in log.items if a.delivery_id == delivery_id]

    def read_log() -> DeliveryAttemptList | None:
        parsed = list_webhook_deliveries.sync_detailed(hook_id, client=client, limit=200).parsed
        return parsed if isinstance(parsed, DeliveryAttemptList) else None

    # Every attempt received is logged once the receiver has answered it.
    wait_until(lambda: (log := read_log()) is not None and log.total_count >= len(receiver.posts()), 10.0)
    log = expect(
        "listWebhookDeliveries",
        list_webhook_deliveries.sync_detailed(hook_id, client=client, limit=200),
        200,
        DeliveryAttemptList,
    )
    if log is not None:
        check(
            "listWebhookDeliveries: the creation's delivery, attempt 2 delivered (200) above attempt 1 retrying (500)",
            attempts_of(log) == [(2, DeliveryOutcome.DELIVERED, 200), (1, DeliveryOutcome.RETRYING, 500)]
            and all(a.seq == creation.seq for a in log.items if a.delivery_id == delivery_id),
            log.to_dict(),
        )
        check(
            "listWebhookDeliveries: newest first, every attempt logged, the failed one with its error",
            [a.at for a in log.items] == sorted((a.at for a in log.items), reverse=True)
            and log.total_count == len(log.items) == len(receiver.posts())
            and all(isinstance(a.error, str) and a.error for a in log.items if a.outcome == DeliveryOutcome.RETRYING),
            {"log": log.to_dict(), "received": len(receiver.posts())},
        )

    # Redelivery: the same webhook-id and body once more.
    redelivered = expect(
        "redeliverWebhookDelivery",
        redeliver_webhook_delivery.sync_detailed(hook_id, delivery_id, client=client),
        202,
        Delivery,
    )
    if redelivered is not None:
        check(
            "redeliverWebhookDelivery answers the delivery (its id, its change's seq)",
            redelivered.delivery_id == delivery_id and redelivered.seq == creation.seq,
            redelivered.to_dict(),
        )
    wait_until(lambda: len(receiver.posts(of_creation)) >= 3, 30.0)
    again = receiver.posts(of_creation)
    check(
        "redelivery: the same webhook-id arrives a third time, with the same body, answered 200",
        len(again) == 3
        and again[2]["headers"].get("webhook-id") == str(delivery_id)
        and again[2]["body"] == first["body"]
        and again[2]["answered"] == 200,
        [(p["headers"].get("webhook-id"), p["answered"]) for p in again],
    )
    if len(again) >= 3:
        try:
            verifier.verify(again[2]["body"], again[2]["headers"])
            check("standardwebhooks verifies the redelivery (signed anew)", True)
        except standardwebhooks.WebhookVerificationError as exc:
            check("standardwebhooks verifies the redelivery (signed anew)", False, exc)
        wait_until(lambda: len(attempts_of(read_log())) >= 3, 10.0)
        check(
            "listWebhookDeliveries: the redelivery is attempt 3, delivered, on top",
            attempts_of(read_log())[:1] == [(3, DeliveryOutcome.DELIVERED, 200)],
            attempts_of(read_log()),
        )

    # get, update, list: never the secret.
    response = get_webhook.sync_detailed(hook_id, client=client)
    got = expect("getWebhook", response, 200, Webhook)
    etag = response.headers.get("ETag")
    if got is not None:
        check(
            "getWebhook: the webhook as created, with an ETag",
            got.entity_id == hook_id
            and got.url == hook.url
            and got.events == EVENTS_ANSWERED
            and got.description == hook.description
            and got.active is True
            and got.version == 1
            and bool(etag),
            got.to_dict(),
        )
        no_secret("getWebhook", response, secret)

    description = f"Python client {RUN} (updated)"
    response = update_webhook.sync_detailed(
        hook_id,
        client=client,
        body=WebhookInput(url=receiver.url, events=[*EVENTS, "*.delete"], description=description, active=True),
        if_match=etag or UNSET,
    )
    updated = expect("updateWebhook (If-Match)", response, 200, Webhook)
    if updated is not None:
        check(
            "updateWebhook: new events and description, version 2",
            updated.events == [*EVENTS_ANSWERED, "*.delete"] and updated.description == description and updated.version == 2,
            updated.to_dict(),
        )
        no_secret("updateWebhook", response, secret)
    if etag:
        expect(
            "updateWebhook with the old ETag",
            update_webhook.sync_detailed(hook_id, client=client, body=WebhookInput(url=receiver.url), if_match=etag),
            412,
            Problem,
        )

    response = list_webhooks.sync_detailed(client=client, limit=200)
    listed = expect("listWebhooks", response, 200, WebhookList)
    if listed is not None:
        mine = [w for w in listed.items if w.entity_id == hook_id]
        check(
            "listWebhooks: the webhook, as updated",
            len(mine) == 1 and mine[0].description == description and mine[0].version == 2,
            listed.to_dict(),
        )
        no_secret("listWebhooks", response, secret)
    response = list_changes.sync_detailed(client=client, resource=ResourceType.WEBHOOKS, id=str(hook_id))
    if expect("listChanges of the webhook", response, 200, ChangePage) is not None:
        no_secret("listChanges of the webhook", response, secret)

    # delete: 204, then 404.
    response = delete_webhook.sync_detailed(hook_id, client=client)
    check(
        "deleteWebhook -> 204",
        response.status_code == HTTPStatus.NO_CONTENT,
        f"{int(response.status_code)} {response.content[:300]!r}",
    )
    gone = expect("getWebhook after delete", get_webhook.sync_detailed(hook_id, client=client), 404, Problem)
    if gone is not None:
        check("getWebhook after delete: a problem with status 404", gone.status == 404, gone.to_dict())
    expect(
        "listWebhookDeliveries after delete",
        list_webhook_deliveries.sync_detailed(hook_id, client=client),
        404,
        Problem,
    )


def main() -> int:
    print(f"liaison Python client scenario against {URL}")
    check(
        "LIAISON_CLIENT_ID, LIAISON_CLIENT_SECRET and LIAISON_API_KEY are set",
        all([CLIENT_ID, CLIENT_SECRET, API_KEY]),
        "an empty variable",
    )
    token = step("createToken", get_token)
    if token:
        bearer = AuthenticatedClient(base_url=URL, token=token, raise_on_unexpected_status=True)
        receiver = Receiver()
        # Before the relationship's writes, which it is then sent.
        hook = step("webhooks: create", lambda: create_hook(bearer, receiver))
        relationship_id = step("risk relationships", lambda: relationships(bearer))
        step("related users", lambda: related_users(bearer))
        if relationship_id:
            # The Relationship users dialect's own header: `Authorization: Token token=<key>`.
            api_key = AuthenticatedClient(
                base_url=URL, token=f"token={API_KEY}", prefix="Token", raise_on_unexpected_status=True
            )
            step("relationship users", lambda: relationship_users(api_key, relationship_id))
        else:
            check("relationship users", False, "skipped: no relationship was created")
        if hook and relationship_id:
            step("webhooks", lambda: webhooks(bearer, receiver, hook, relationship_id))
        else:
            check("webhooks", False, "skipped: no webhook or no relationship was created")
        receiver.close()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
