"""End-to-end scenario for the Python client openapi-generator makes from openapi/openapi.json.

Every request goes through the generated package `liaison_oag` (generator `python`:
pydantic models over urllib3): its API classes (the list's filters as their plain
keyword arguments, `name_contains=...` for `name[contains]`), or, for the XML body they
cannot send, its ApiClient's documented lower layer (param_serialize, call_api,
response_deserialize), which still signs, sends and decodes with the generated code.
Reads LIAISON_URL, LIAISON_CLIENT_ID, LIAISON_CLIENT_SECRET and LIAISON_API_KEY,
prints one line per check and ends with `N passed, M failed`; exits 1 when a check failed.
"""

from __future__ import annotations

import os
import sys
import traceback
import uuid

from liaison_oag import ApiClient, Configuration
from liaison_oag.api import OAuthApi, RelatedUsersApi, RelationshipUsersApi, RiskRelationshipsApi
from liaison_oag.exceptions import NotFoundException
from liaison_oag.models import (
    RelatedUserCreate,
    RelatedUserUpdate,
    RelationshipCreate,
    RelationshipInput,
    RelationshipListEnvelope,
    RelationshipUserCreate,
    RelationshipUserUpdate,
    RiskErrorCode,
    RiskErrorEnvelope,
    TokenRequest,
)

URL = os.environ["LIAISON_URL"].rstrip("/")
CLIENT_ID = os.environ["LIAISON_CLIENT_ID"]
CLIENT_SECRET = os.environ["LIAISON_CLIENT_SECRET"]
API_KEY = os.environ["LIAISON_API_KEY"]

ORGANIZATION = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
INTERNAL_MANAGER = "a218d8e5-8c7a-4f3e-9b12-111111111111"
EXTERNAL_MANAGER = "b218d8e5-8c7a-4f3e-9b12-222222222222"
SUPPLIER = "5e1f8f9a-7d1c-4a43-9f53-0b1a9e6c2d10"

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

RUN = f"py-oag-{uuid.uuid4().hex[:12]}"
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


# --- OAuth ------------------------------------------------------------------


def get_token() -> str | None:
    with ApiClient(Configuration(host=URL)) as anonymous:
        token = OAuthApi(anonymous).create_token(
            TokenRequest(grant_type="client_credentials", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        )
    check(
        "createToken: a Bearer token",
        token.token_type.lower() == "bearer" and bool(token.access_token) and token.expires_in > 0,
        token.to_dict(),
    )
    return token.access_token


# --- Risk relationships -----------------------------------------------------


def relationships(client: ApiClient) -> str | None:
    api = RiskRelationshipsApi(client)
    name = f"Python oag {RUN}"
    written = api.create_relationship(RelationshipCreate.from_dict({**EXAMPLE_BODY, "name": name, "supplier": SUPPLIER}))
    entity_id = str(written.result.entity_id)
    check("createRelationship -> 201 success", written.success and written.errors == [], written.to_dict())

    listed = api.list_relationships(name_contains=RUN.upper(), limit=50)
    check(
        "listRelationships name[contains] finds exactly the new relationship",
        [str(r.entity_id) for r in listed.result] == [entity_id] and listed.total_count == 1,
        listed.to_dict(),
    )

    updated = api.update_relationship(entity_id, RelationshipInput.from_dict(EXAMPLE_BODY))
    check(
        "updateRelationship, the document's PUT in JSON -> 200, the same entityId",
        updated.success and str(updated.result.entity_id) == entity_id,
        updated.to_dict(),
    )
    after = api.get_relationship(entity_id)
    check(
        "getRelationship after the PUT: the document's name, supplier kept",
        after.result.name == EXAMPLE_BODY["name"] and str(after.result.supplier.entity_id) == SUPPLIER,
        after.to_dict(),
    )

    renamed = api.list_relationships(name_contains=RUN)
    check(
        "listRelationships name[contains] no longer matches the old name",
        renamed.result == [] and renamed.total_count == 0,
        renamed.to_dict(),
    )

    # The generated operations write JSON bodies only (rest.py sends a model as JSON,
    # and would refuse one with Content-Type application/xml); a body the caller
    # serialized, as a str, is sent as it is: the XML PUT goes that way.
    xml_name = f"Python oag {RUN} xml"
    xml = (
        f"<RelationshipInput><name>{xml_name}</name><startEffectiveDate>2026-05-01</startEffectiveDate>"
        f"<organizations>{ORGANIZATION}</organizations><internalManager>{INTERNAL_MANAGER}</internalManager>"
        f"<externalManager>{EXTERNAL_MANAGER}</externalManager><classification>classification1</classification>"
        "<category>Cat1</category><internalAccess>Team</internalAccess><externalAccess>Team</externalAccess>"
        "<status>Relationship_Active</status></RelationshipInput>"
    )
    request = client.param_serialize(
        method="PUT",
        resource_path="/api/relationships/{relationshipId}",
        path_params={"relationshipId": entity_id},
        header_params={"Content-Type": "application/xml", "Accept": "application/json"},
        body=xml,
        auth_settings=["oauth2"],
    )
    response = client.call_api(*request)
    response.read()
    xml_written = client.response_deserialize(
        response_data=response, response_types_map={"200": "RelationshipWrittenEnvelope"}
    ).data
    check(
        "updateRelationship with an XML body -> 200, the same entityId",
        xml_written.success and str(xml_written.result.entity_id) == entity_id,
        xml_written.to_dict(),
    )
    check(
        "getRelationship after the XML PUT: the name sent in XML",
        api.get_relationship(entity_id).result.name == xml_name,
        xml_name,
    )

    try:
        api.get_relationship(str(uuid.uuid4()))
        check("getRelationship unknown id -> NotFoundException", False, "it answered 2xx")
    except NotFoundException as exc:
        envelope = exc.data
        check(
            "getRelationship unknown id -> NotFoundException, data RiskErrorEnvelope DataNotFound",
            exc.status == 404
            and isinstance(envelope, RiskErrorEnvelope)
            and envelope.success is False
            and envelope.errors[0].error_code == RiskErrorCode.DATANOTFOUND
            and envelope.errors[0].message == "Relationship not found",
            exc.body,
        )
    return entity_id


# --- Related users ----------------------------------------------------------


def related_users(client: ApiClient) -> None:
    api = RelatedUsersApi(client)
    created = api.create_related_user(RelatedUserCreate(username="dleite", name=f"{RUN}-alias"))
    check("createRelatedUser", created.related_users.id.isdigit(), created.to_dict())
    updated = api.update_related_user_with_http_info(
        RelatedUserUpdate(id=int(created.related_users.id), username="dleite", name=f"{RUN}-renamed")
    )
    check(
        "updateRelatedUser, the document's PUT -> HTTP 201, code 200, the new name",
        updated.status_code == 201 and updated.data.code == 200 and updated.data.related_users.name == f"{RUN}-renamed",
        (updated.status_code, updated.data.to_dict()),
    )


# --- Relationship users -----------------------------------------------------


def relationship_users(client: ApiClient, relationship_id: str) -> None:
    api = RelationshipUsersApi(client)
    created = api.create_relationship_user(
        RelationshipUserCreate.from_dict(
            {
                "form_configuration_name": "reference_rest_api_relationship_user_create",
                "parent_resource_id": "team_members",
                "form": {"relationship_id": relationship_id, "user_id": "3", "properties": {"status": "pending"}},
            }
        )
    )
    check("createRelationshipUser with the API key -> 201 {id, errors: {}}", created.id > 0 and created.errors == {}, created.to_dict())

    response = api.update_relationship_user_with_http_info(
        created.id,
        RelationshipUserUpdate.from_dict(
            {
                "form_configuration_name": "reference_rest_api_relationship_update",
                "form": {"properties": {"status": "not_verified"}},
            }
        ),
    )
    check(
        "updateRelationshipUser, the document's PUT -> 200 {}",
        response.status_code == 200 and response.data == {},
        (response.status_code, response.raw_data),
    )

    got = api.get_relationship_user(created.id)
    check(
        "getRelationshipUser reads the PUT back",
        got.id == created.id and str(got.relationship_id) == relationship_id and got.properties.get("status") == "not_verified",
        got.to_dict(),
    )


def main() -> int:
    print(f"liaison openapi-generator Python client scenario against {URL}")
    token = step("createToken", get_token)
    if token:
        with ApiClient(Configuration(host=URL, access_token=token)) as bearer:
            relationship_id = step("risk relationships", lambda: relationships(bearer))
            step("related users", lambda: related_users(bearer))
        if relationship_id:
            # The Relationship users dialect's own header: `Authorization: Token token=<key>`.
            api_key = Configuration(
                host=URL,
                api_key={"relationshipUsersToken": f"token={API_KEY}"},
                api_key_prefix={"relationshipUsersToken": "Token"},
            )
            with ApiClient(api_key) as keyed:
                step("relationship users", lambda: relationship_users(keyed, relationship_id))
        else:
            check("relationship users", False, "skipped: no relationship was created")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
