// End-to-end check that TypeScript types generated from liaison's OpenAPI
// document (openapi-typescript) drive a real client (openapi-fetch) against a
// running liaison with its demo tenant. Every request goes through
// createClient<paths>(): if the document described a path, parameter, body or
// response wrongly, this file fails to type-check or a step fails at run time.
//
// Run by tests/ecosystem/typescript.sh, which generates ./generated/liaison.d.ts
// next to a copy of this file. Environment: LIAISON_URL, LIAISON_CLIENT_ID,
// LIAISON_CLIENT_SECRET, LIAISON_API_KEY. The webhook steps receive deliveries
// on 127.0.0.1: the server must allow private webhook URLs (scripts/ecosystem
// starts it with --webhooks-allow-private).

import createClient, { type Client } from "openapi-fetch";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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
  // @ts-expect-error: a delivery attempt's outcome is a closed enum ("pending" is a delivery's state)
  const bogusOutcome: Schemas["DeliveryOutcome"] = "pending";
  // @ts-expect-error: a webhook read back has no secret (only WebhookCreated has it)
  const secret: Schemas["Webhook"]["secret"] = "whsec_";
  // @ts-expect-error: WebhookInput requires `url`
  void api.POST("/api/setup/webhooks", { body: { events: ["relationships"] } });
  void bogusStatus;
  void bogusCode;
  void bogusOutcome;
  void secret;
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

// Webhooks (created before the relationship, whose creation it is then sent) --------------

/** What the receiver got: each POST's `webhook-id` and JSON body. */
interface Received {
  webhookId: string;
  body: { seq?: unknown; resource?: unknown; id?: unknown; operation?: unknown };
}
const received: Received[] = [];
const receiver = createServer((request, reply) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    let body: Received["body"] = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Received["body"];
    } catch {
      // recorded with an empty body: a step below fails on it
    }
    received.push({ webhookId: String(request.headers["webhook-id"] ?? ""), body });
    reply.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/ts-hooks/${run}`;

let webhookId: string | undefined;
let webhookEtag: string | undefined;
let webhookSecret: string | undefined;
const webhookDescription = `ts-openapi-fetch ${run}`;

await step("webhooks: POST /api/setup/webhooks -> 201 WebhookCreated with its secret", async () => {
  const { data, error, response } = await need(api, "a token").POST("/api/setup/webhooks", {
    body: { url: receiverUrl, events: ["relationships.create"], description: webhookDescription },
  });
  status(response, 201, data ?? error);
  check(data !== undefined, "a body");
  const hook: Schemas["WebhookCreated"] = data;
  check(/^[0-9a-f-]{36}$/.test(hook.entityId), "a GUID entityId", hook.entityId);
  check(hook.url === receiverUrl, "the URL sent", hook.url);
  check(isDeepStrictEqual(hook.events, ["relationships.create"]), "the events sent", hook.events);
  check(hook.description === webhookDescription, "the description sent", hook.description);
  check(hook.active && hook.version === 1, "active, version 1", hook);
  check(/^whsec_[A-Za-z0-9+/]{43}=$/.test(hook.secret), "a whsec_ secret (32 bytes, base64)", hook.secret.slice(0, 10));
  check(response.headers.get("Location")?.endsWith(`/api/setup/webhooks/${hook.entityId}`) === true, "Location", response.headers.get("Location"));
  webhookId = hook.entityId;
  webhookSecret = hook.secret;
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

// Webhooks, continued ------------------------------------------------------------------------

/** The raw text of an answer never holds the webhook's secret. */
function noSecret(response: Response, text: string): void {
  const secret = need(webhookSecret, "the secret");
  check(!text.includes('"secret"') && !text.includes(secret.slice("whsec_".length)), `${response.url}: no secret in the answer`);
}

await step("webhooks: GET /api/setup/webhooks/{entityId} -> 200 Webhook, ETag, no secret", async () => {
  const id = need(webhookId, "the new webhook");
  const { data, error, response } = await need(api, "a token").GET("/api/setup/webhooks/{entityId}", {
    params: { path: { entityId: id } },
  });
  status(response, 200, data ?? error);
  check(data !== undefined, "a body");
  const hook: Schemas["Webhook"] = data;
  check(hook.entityId === id && hook.url === receiverUrl, "the webhook", hook);
  check(isDeepStrictEqual(hook.events, ["relationships.create"]) && hook.active && hook.version === 1, "as created", hook);
  noSecret(response, JSON.stringify(data));
  const etag = response.headers.get("ETag");
  check(etag !== null && etag !== "", "an ETag header");
  webhookEtag = etag;
});

await step("webhooks: GET /api/setup/webhooks lists it, without its secret", async () => {
  const id = need(webhookId, "the new webhook");
  const { data, error, response } = await need(api, "a token").GET("/api/setup/webhooks", {
    params: { query: { limit: 200 } },
  });
  status(response, 200, data ?? error);
  check(data !== undefined, "a body");
  const page: Schemas["WebhookList"] = data;
  const mine = page.items.filter((w) => w.entityId === id);
  check(mine.length === 1 && mine[0]?.description === webhookDescription, "the webhook, once", page.items);
  check(page.totalCount >= 1 && page.limit === 200 && page.offset === 0, "totalCount, limit 200, offset 0", page);
  noSecret(response, JSON.stringify(data));
});

await step("webhooks: GET .../deliveries: the relationship's creation, delivered (204 from the receiver)", async () => {
  const id = need(webhookId, "the new webhook");
  const relationship = need(relationshipId, "the new relationship");
  let attempts: Schemas["DeliveryAttempt"][] = [];
  let got: Received | undefined;
  const deadline = Date.now() + 30_000;
  for (;;) {
    got = received.find((r) => r.body.id === relationship && r.body.operation === "create");
    const { data, error, response } = await need(api, "a token").GET("/api/setup/webhooks/{entityId}/deliveries", {
      params: { path: { entityId: id }, query: { limit: 50 } },
    });
    status(response, 200, data ?? error);
    check(data !== undefined, "a body");
    const page: Schemas["DeliveryAttemptList"] = data;
    attempts = page.items;
    if ((got !== undefined && attempts.some((a) => a.deliveryId === got?.webhookId)) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  check(got !== undefined, "the receiver got the relationship's creation within 30 s", received);
  check(received.every((r) => r.body.resource === "relationships" && r.body.operation === "create"), "only relationships.create", received);
  const attempt = attempts.find((a) => a.deliveryId === got.webhookId);
  check(attempt !== undefined, "its attempt is logged under its webhook-id", attempts);
  const outcome: Schemas["DeliveryOutcome"] = attempt.outcome;
  check(outcome === "delivered" && attempt.status === 204 && attempt.attempt === 1, "attempt 1, delivered, status 204", attempt);
  check(attempt.seq === got.body.seq && Number.isInteger(attempt.seq), "the change's seq", attempt);
  check(attempt.durationMs >= 0 && !Number.isNaN(Date.parse(attempt.at)), "a duration and a time", attempt);
});

await step("webhooks: PUT /api/setup/webhooks/{entityId} (If-Match) -> 200, version 2", async () => {
  const id = need(webhookId, "the new webhook");
  const body: Schemas["WebhookInput"] = { url: receiverUrl, events: ["relationships", "*.delete"], description: null, active: false };
  const { data, error, response } = await need(api, "a token").PUT("/api/setup/webhooks/{entityId}", {
    params: { path: { entityId: id }, header: { "If-Match": need(webhookEtag, "the ETag") } },
    body,
  });
  status(response, 200, data ?? error);
  check(data !== undefined, "a body");
  const hook: Schemas["Webhook"] = data;
  check(hook.version === 2 && !hook.active, "version 2, inactive", hook);
  check(isDeepStrictEqual(hook.events, ["relationships.*", "*.delete"]), "the events sent (a type alone answered as type.*)", hook.events);
  check(hook.description === undefined, "description null: none", hook.description);
  noSecret(response, JSON.stringify(data));
});

await step("webhooks: PUT with the old ETag -> 412 Problem", async () => {
  const id = need(webhookId, "the new webhook");
  const { data, error, response } = await need(api, "a token").PUT("/api/setup/webhooks/{entityId}", {
    params: { path: { entityId: id }, header: { "If-Match": need(webhookEtag, "the ETag") } },
    body: { url: receiverUrl },
  });
  status(response, 412, data ?? error);
  check(error !== undefined && error.status === 412, "a problem with status 412", error);
});

await step("webhooks: DELETE /api/setup/webhooks/{entityId} -> 204, then GET -> 404 Problem", async () => {
  const id = need(webhookId, "the new webhook");
  const deleted = await need(api, "a token").DELETE("/api/setup/webhooks/{entityId}", {
    params: { path: { entityId: id } },
  });
  status(deleted.response, 204, deleted.data ?? deleted.error);
  const { data, error, response } = await need(api, "a token").GET("/api/setup/webhooks/{entityId}", {
    params: { path: { entityId: id } },
  });
  status(response, 404, data ?? error);
  check(error !== undefined && error.status === 404 && error.title !== "", "a problem with status 404", error);
});

receiver.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
