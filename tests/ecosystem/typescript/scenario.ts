// End-to-end check that TypeScript types generated from liaison's OpenAPI
// document (openapi-typescript) drive a real client (openapi-fetch) against a
// running liaison with its demo tenant. Every request goes through
// createClient<paths>(): if the document described a path, parameter, body or
// response wrongly, this file fails to type-check or a step fails at run time.
//
// Run by tests/ecosystem/typescript.sh, which generates ./generated/liaison.d.ts
// next to a copy of this file. Environment: LIAISON_URL, LIAISON_CLIENT_ID,
// LIAISON_CLIENT_SECRET, LIAISON_API_KEY.

import createClient, { type Client } from "openapi-fetch";
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { components, paths } from "./generated/liaison.js";

type Schemas = components["schemas"];

// --- demo tenant data --------------------------------------------------------

const ORGANIZATION = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const INTERNAL_MANAGER = "a218d8e5-8c7a-4f3e-9b12-111111111111";
const EXTERNAL_MANAGER = "b218d8e5-8c7a-4f3e-9b12-222222222222";
const SUPPLIER = "5e1f8f9a-7d1c-4a43-9f53-0b1a9e6c2d10";

/** The request body example of the relationship document (PUT). */
const DOCUMENT_EXAMPLE: Schemas["RelationshipInput"] = {
  name: "Example relationship (updated)",
  startEffectiveDate: "2026-05-01",
  organizations: [ORGANIZATION],
  internalManager: INTERNAL_MANAGER,
  externalManager: EXTERNAL_MANAGER,
  classification: "classification1",
  category: "Cat1",
  internalAccess: "Team",
  externalAccess: "Team",
  status: "Relationship_Active",
};

// --- environment ---------------------------------------------------------------

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    console.error(`scenario: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

const baseUrl = env("LIAISON_URL").replace(/\/+$/, "");
const clientId = env("LIAISON_CLIENT_ID");
const clientSecret = env("LIAISON_CLIENT_SECRET");
const apiKey = env("LIAISON_API_KEY");
const run = randomUUID().slice(0, 8);

// --- a tiny step runner ----------------------------------------------------------

let passed = 0;
let failed = 0;

class Failure extends Error {}

function check(condition: boolean, what: string, actual?: unknown): asserts condition {
  if (!condition) {
    throw new Failure(actual === undefined ? what : `${what} (got ${JSON.stringify(actual)})`);
  }
}

function status(response: Response, expected: number, body: unknown): void {
  check(
    response.status === expected,
    `${response.url}: status ${response.status}, expected ${expected}; body ${JSON.stringify(body)}`,
  );
}

async function step(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    passed += 1;
    console.log(`ok     ${name}`);
  } catch (err) {
    failed += 1;
    const message = err instanceof Failure ? err.message : err instanceof Error ? err.stack ?? err.message : String(err);
    console.log(`FAILED ${name}: ${message}`);
  }
}

/** The value a later step needs, or a clear failure when the step that makes it failed. */
function need<T>(value: T | undefined, what: string): T {
  check(value !== undefined, `needs ${what} from an earlier step, which failed`);
  return value;
}

// --- compile-time checks: the generated types are precise, not `any` ------------
// Never called; tsc fails if any @ts-expect-error line stops being an error.

function typeLevelChecks(api: Client<paths>): void {
  // @ts-expect-error: no such path in the document
  void api.GET("/api/no-such-path");
  // @ts-expect-error: RelatedUserCreate requires `name`
  void api.POST("/api/user/related", { body: { username: "dleite" } });
  // @ts-expect-error: relationship_user_id is an integer path parameter
  void api.GET("/api/user/relationship_users/{relationship_user_id}", { params: { path: { relationship_user_id: "1" } } });
  // @ts-expect-error: the relationship status is a closed enum
  const bogusStatus: Schemas["RelationshipStatus"] = "Relationship_Bogus";
  // @ts-expect-error: so is the Risk error code
  const bogusCode: Schemas["RiskErrorCode"] = "NotAnErrorCode";
  void bogusStatus;
  void bogusCode;
}
void typeLevelChecks;

// --- the scenario --------------------------------------------------------------------

const anonymous = createClient<paths>({ baseUrl });
let api: Client<paths> | undefined;

let relationshipId: string | undefined;
let relationshipEtag: string | undefined;
let relatedUserId: number | undefined;
let relationshipUserId: number | undefined;

await step("token: POST /oauth2/token (client_credentials, JSON body)", async () => {
  const { data, error, response } = await anonymous.POST("/oauth2/token", {
    body: { grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret },
  });
  status(response, 200, data ?? error);
  check(data !== undefined, "a token response");
  check(data.token_type.toLowerCase() === "bearer", "token_type Bearer", data.token_type);
  check(data.access_token.length > 0 && data.expires_in > 0, "a token that has not expired", data);
  api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${data.access_token}` } });
});

// Risk relationships --------------------------------------------------------------------

const createdName = `ts-openapi-fetch ${run}`;

await step("relationships: POST /api/relationships -> 201", async () => {
  const { data, error, response } = await need(api, "a token").POST("/api/relationships", {
    body: { ...DOCUMENT_EXAMPLE, name: createdName, supplier: SUPPLIER },
  });
  status(response, 201, data ?? error);
  check(data !== undefined && data.success, "success true", data);
  check(data.errors.length === 0, "no errors", data.errors);
  check(/^[0-9a-f-]{36}$/.test(data.result.entityId), "a GUID entityId", data.result.entityId);
  relationshipId = data.result.entityId;
});

await step("relationships: GET /api/relationships/{relationshipId}", async () => {
  const id = need(relationshipId, "the new relationship");
  const { data, error, response } = await need(api, "a token").GET("/api/relationships/{relationshipId}", {
    params: { path: { relationshipId: id } },
  });
  status(response, 200, data ?? error);
  check(data !== undefined && data.success, "success true", data);
  const r: Schemas["Relationship"] = data.result;
  check(r.entityId === id, "the same entityId", r.entityId);
  check(r.name === createdName, "the name sent", r.name);
  check(r.status === "Relationship_Active", "status Relationship_Active", r.status);
  check(r.supplier?.entityId === SUPPLIER, "the supplier sent", r.supplier);
  check(r.organizations.some((o) => o.entityId === ORGANIZATION), "the organization sent", r.organizations);
  check(r.internalManager.entityId === INTERNAL_MANAGER, "the internal manager sent", r.internalManager);
  check(/^R\d{5}$/.test(r.relationshipNumber), "a relationship number R#####", r.relationshipNumber);
  const etag = response.headers.get("ETag");
  check(etag !== null && etag !== "", "an ETag header");
  relationshipEtag = etag;
});

await step("relationships: PUT /api/relationships/{relationshipId} (document example, If-Match) -> 200", async () => {
  const id = need(relationshipId, "the new relationship");
  const { data, error, response } = await need(api, "a token").PUT("/api/relationships/{relationshipId}", {
    params: { path: { relationshipId: id }, header: { "If-Match": need(relationshipEtag, "the ETag") } },
    body: DOCUMENT_EXAMPLE,
  });
  status(response, 200, data ?? error);
  check(data !== undefined && data.success, "success true", data);
  check(data.result.entityId === id, "result.entityId is the relationship", data.result.entityId);
});

await step("relationships: GET /api/relationships?name[contains]=... finds it", async () => {
  const id = need(relationshipId, "the new relationship");
  const { data, error, response } = await need(api, "a token").GET("/api/relationships", {
    params: { query: { "name[contains]": "RELATIONSHIP (UPDATED)", "entityId[eq]": id, order_by: "createdAt", dir: "Desc", limit: 50 } },
  });
  status(response, 200, data ?? error);
  check(data !== undefined && data.success, "success true", data);
  check(data.totalCount === 1 && data.result.length === 1, "exactly the one relationship", data.totalCount);
  const [found] = data.result;
  check(found !== undefined && found.entityId === id, "the updated relationship", found?.entityId);
  check(found.name === DOCUMENT_EXAMPLE.name, "the updated name", found.name);
});

await step("changes: GET /api/changes?resource=relationships&id=... is the relationship's history", async () => {
  const id = need(relationshipId, "the new relationship");
  const { data, error, response } = await need(api, "a token").GET("/api/changes", {
    params: { query: { resource: "relationships", id, limit: 10 } },
  });
  status(response, 200, data ?? error);
  const page: Schemas["ChangePage"] = need(data, "a page");
  const operations = page.changes.map((c) => `${c.operation}@${c.version}`);
  check(isDeepStrictEqual(operations, ["create@1", "update@2"]), "created, then the one PUT", operations);
  const renamed = page.changes[1]?.fields.find((f) => f.field === "name");
  check(renamed?.after === DOCUMENT_EXAMPLE.name, "the PUT's name, after", renamed);
  check(page.next === String(page.changes[1]?.seq), "next is the last change's cursor", page.next);
});

await step("relationships: GET of an unknown id -> 404 DataNotFound (typed error body)", async () => {
  const { data, error, response } = await need(api, "a token").GET("/api/relationships/{relationshipId}", {
    params: { path: { relationshipId: randomUUID() } },
  });
  status(response, 404, data ?? error);
  check(error !== undefined, "an error body");
  check(error.success === false, "success false", error.success);
  const first: Schemas["RiskError"] | undefined = error.errors[0];
  check(first?.errorCode === "DataNotFound", "errorCode DataNotFound", first);
  check(first.message === "Relationship not found", "message 'Relationship not found'", first.message);
});

// Related users ----------------------------------------------------------------------------

const aliasName = `alias-from-ts-${run}`;

await step("related users: POST /api/user/related -> 200", async () => {
  const { data, error, response } = await need(api, "a token").POST("/api/user/related", {
    body: { username: "dleite", name: aliasName },
  });
  status(response, 200, data ?? error);
  check(data !== undefined && data.response.error === false, "response.error false", data);
  check(data.relatedUsers.username === "dleite", "username dleite", data.relatedUsers);
  check(data.relatedUsers.name === aliasName, "the name sent", data.relatedUsers);
  const id = Number(data.relatedUsers.id);
  check(Number.isInteger(id) && id > 0, "a numeric id (written as a string)", data.relatedUsers.id);
  relatedUserId = id;
});

await step("related users: PUT /api/user/related -> 201 'Related user successfully updated!'", async () => {
  const id = need(relatedUserId, "the new related user");
  const { data, error, response } = await need(api, "a token").PUT("/api/user/related", {
    body: { id, username: "dleite", name: `${aliasName}-renamed` },
  });
  status(response, 201, data ?? error);
  check(data !== undefined, "a body");
  check(data.response.message === "Related user successfully updated!", "the update message", data.response.message);
  check(data.relatedUsers.id === String(id), "the same related user", data.relatedUsers.id);
  check(data.relatedUsers.name === `${aliasName}-renamed`, "the new name", data.relatedUsers.name);
});

await step("related users: PUT with an unknown username -> 400 '1005: User does not exist'", async () => {
  const id = need(relatedUserId, "the new related user");
  const { data, error, response } = await need(api, "a token").PUT("/api/user/related", {
    body: { id, username: "nobody", name: `${aliasName}-nobody` },
  });
  status(response, 400, data ?? error);
  check(error !== undefined, "an error body");
  check(error.response.message === "1005: User does not exist", "response.message", error.response.message);
  check(error.response.error && error.exception.code === 1005, "error true, exception.code 1005", error);
});

// Relationship users ---------------------------------------------------------------------------

await step("relationship users: POST /api/user/relationship_users -> 201 {id, errors: {}}", async () => {
  const relationship = need(relationshipId, "the new relationship");
  const { data, error, response } = await need(api, "a token").POST("/api/user/relationship_users", {
    body: {
      form_configuration_name: "reference_rest_api_relationship_user_create",
      parent_resource_id: "team_members",
      form: { relationship_id: relationship, user_id: "3", properties: { status: "pending" } },
    },
  });
  status(response, 201, data ?? error);
  check(data !== undefined && Number.isInteger(data.id) && data.id > 0, "an integer id", data);
  check(Object.keys(data.errors).length === 0, "errors {}", data.errors);
  relationshipUserId = data.id;
});

await step("relationship users: PUT /api/user/relationship_users/{id} status not_verified -> 200 {}", async () => {
  const id = need(relationshipUserId, "the new relationship user");
  const { data, error, response } = await need(api, "a token").PUT("/api/user/relationship_users/{relationship_user_id}", {
    params: { path: { relationship_user_id: id } },
    body: { form_configuration_name: "reference_rest_api_relationship_update", form: { properties: { status: "not_verified" } } },
  });
  status(response, 200, data ?? error);
  check(error === undefined && JSON.stringify(data) === "{}", "the document's {}", data ?? error);
});

await step("relationship users: GET /api/user/relationship_users/{id} shows the update", async () => {
  const id = need(relationshipUserId, "the new relationship user");
  const { data, error, response } = await need(api, "a token").GET("/api/user/relationship_users/{relationship_user_id}", {
    params: { path: { relationship_user_id: id } },
  });
  status(response, 200, data ?? error);
  check(data !== undefined, "a body");
  const u: Schemas["RelationshipUser"] = data;
  check(u.id === id, "the same id", u.id);
  check(u.relationship_id === relationshipId, "on the new relationship", u.relationship_id);
  check(u.user_id === 3 && u.username === "dleite", "user 3 (dleite)", u);
  check(u.type_name === "team_members", "type team_members", u.type_name);
  check(u.properties["status"] === "not_verified", "properties.status not_verified", u.properties);
});

await step("relationship users: GET with the API key (Authorization: Token token=...)", async () => {
  const id = need(relationshipUserId, "the new relationship user");
  const viaKey = createClient<paths>({ baseUrl, headers: { Authorization: `Token token=${apiKey}` } });
  const { data, error, response } = await viaKey.GET("/api/user/relationship_users/{relationship_user_id}", {
    params: { path: { relationship_user_id: id } },
  });
  status(response, 200, data ?? error);
  check(data !== undefined && data.id === id, "the same relationship user", data);
});

await step("relationship users: PUT status 'bogus' -> 422 properties.status 'is not included in the list'", async () => {
  const id = need(relationshipUserId, "the new relationship user");
  const { data, error, response } = await need(api, "a token").PUT("/api/user/relationship_users/{relationship_user_id}", {
    params: { path: { relationship_user_id: id } },
    body: { form_configuration_name: "reference_rest_api_relationship_update", form: { properties: { status: "bogus" } } },
  });
  status(response, 422, data ?? error);
  check(error !== undefined, "an error body");
  const messages: string[] | undefined = error.errors["properties.status"];
  check(isDeepStrictEqual(messages, ["is not included in the list"]), "errors['properties.status']", error.errors);
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
