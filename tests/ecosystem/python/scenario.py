"""End-to-end scenario for the Python client generated from openapi/openapi.json.

Every request goes through the generated package `liaison_client`
(openapi-python-client); nothing here speaks HTTP on its own. Reads
LIAISON_URL, LIAISON_CLIENT_ID, LIAISON_CLIENT_SECRET and LIAISON_API_KEY,
prints one line per check and ends with `N passed, M failed`; exits 1 when a
check failed.
"""

from __future__ import annotations

import os
import sys
import traceback
import uuid
from http import HTTPStatus

from liaison_client import AuthenticatedClient, Client
from liaison_client.types import Response
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
from liaison_client.models import (
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
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
