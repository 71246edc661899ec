// End-to-end scenario for the typescript-fetch client that openapi-generator
// makes from liaison's OpenAPI document, against a running liaison with its
// demo tenant. Every request goes through the generated API classes; the only
// hooks used are the generator's documented ones (Configuration's
// accessToken, apiKey and middleware; a per-call RequestInit override).
//
// Built by ../../openapi-generator.sh, which generates ./generated/ next to a
// copy of this file and compiles both with tsc --strict. Environment:
// LIAISON_URL, LIAISON_CLIENT_ID, LIAISON_CLIENT_SECRET, LIAISON_API_KEY.
// Prints one line per step and ends with `N passed, M failed`.

import { randomUUID } from "node:crypto";
import {
  Configuration,
  OAuthApi,
  RelatedUsersApi,
  RelationshipUsersApi,
  ResponseError,
  RiskRelationshipsApi,
  type Middleware,
  type RelationshipInput,
} from "./generated/index.js";
import { RiskErrorEnvelopeFromJSON } from "./generated/models/index.js";

const ORGANIZATION = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const INTERNAL_MANAGER = "a218d8e5-8c7a-4f3e-9b12-111111111111";
const EXTERNAL_MANAGER = "b218d8e5-8c7a-4f3e-9b12-222222222222";
const SUPPLIER = "5e1f8f9a-7d1c-4a43-9f53-0b1a9e6c2d10";

// The vendor document's example body of PUT /api/relationships/{relationshipId}.
const DOCUMENT_EXAMPLE: RelationshipInput = {
  name: "Example relationship (updated)",
  startEffectiveDate: new Date("2026-05-01"),
  organizations: new Set([ORGANIZATION]),
  internalManager: INTERNAL_MANAGER,
  externalManager: EXTERNAL_MANAGER,
  classification: "classification1",
  category: "Cat1",
  internalAccess: "Team",
  externalAccess: "Team",
  status: "Relationship_Active",
};

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    console.error(`scenario: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

const basePath = env("LIAISON_URL").replace(/\/+$/, "");
const clientId = env("LIAISON_CLIENT_ID");
const clientSecret = env("LIAISON_CLIENT_SECRET");
const apiKey = env("LIAISON_API_KEY");
const run = `ts-oag-${randomUUID().slice(0, 8)}`;

// --- a tiny step runner ----------------------------------------------------------

let passed = 0;
let failed = 0;

class Failure extends Error {}

function check(condition: boolean, what: string, actual?: unknown): asserts condition {
  if (!condition) {
    throw new Failure(actual === undefined ? what : `${what} (got ${JSON.stringify(actual)})`);
  }
}

async function step(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    passed += 1;
    console.log(`ok     ${name}`);
  } catch (err) {
    failed += 1;
    let message = err instanceof Failure ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    if (err instanceof ResponseError) {
      message = `${err.response.status} ${await err.response.text()}`;
    }
    console.log(`FAILED ${name}: ${message}`);
  }
}

function need<T>(value: T | undefined, what: string): T {
  check(value !== undefined, `needs ${what} from an earlier step, which failed`);
  return value;
}

/** The generator's error type for a non-2xx answer, or a failure naming what came instead. */
async function responseError(call: Promise<unknown>): Promise<ResponseError> {
  try {
    const value = await call;
    throw new Failure(`expected an error answer, got ${JSON.stringify(value)}`);
  } catch (err) {
    if (err instanceof ResponseError) {
      return err;
    }
    throw err;
  }
}

// Every URL the client requests, through the generator's middleware hook: the
// filter step checks the query the client built, not only what came back.
const requested: string[] = [];
const recordUrls: Middleware = {
  pre: async ({ url, init }) => {
    requested.push(url);
    return { url, init };
  },
};

// --- the scenario --------------------------------------------------------------------

let bearer: Configuration | undefined;
let relationshipId: string | undefined;
let relationshipUserId: number | undefined;

await step("token: createToken (client_credentials)", async () => {
  const anonymous = new OAuthApi(new Configuration({ basePath }));
  const token = await anonymous.createToken({
    tokenRequest: { grantType: "client_credentials", clientId, clientSecret },
  });
  check(token.tokenType.toLowerCase() === "bearer", "token_type Bearer", token.tokenType);
  check(token.accessToken.length > 0 && token.expiresIn > 0, "a token that has not expired", token);
  // The generated client sends an oauth2 scheme's token as the whole
  // Authorization value: the "Bearer " prefix is the caller's.
  bearer = new Configuration({
    basePath,
    accessToken: `Bearer ${token.accessToken}`,
    middleware: [recordUrls],
  });
});

// Risk relationships --------------------------------------------------------------------

const createdName = `${run} created`;

await step("relationships: createRelationship -> 201", async () => {
  const api = new RiskRelationshipsApi(need(bearer, "a token"));
  const written = await api.createRelationship({
    relationshipCreate: { ...DOCUMENT_EXAMPLE, name: createdName, supplier: SUPPLIER },
  });
  check(written.success && written.errors.length === 0, "success, no errors", written);
  check(/^[0-9a-f-]{36}$/.test(written.result.entityId), "a GUID entityId", written.result.entityId);
  relationshipId = written.result.entityId;
});

await step("relationships: listRelationships nameContains finds only the new one", async () => {
  const api = new RiskRelationshipsApi(need(bearer, "a token"));
  const id = need(relationshipId, "the new relationship");
  requested.length = 0;
  const page = await api.listRelationships({ nameContains: run.toUpperCase(), limit: 50 });
  const url = requested[0] ?? "";
  check(
    url.includes(`name%5Bcontains%5D=${encodeURIComponent(run.toUpperCase())}`),
    "the client sends name[contains]=... (brackets percent-encoded)",
    url,
  );
  check(page.totalCount === 1 && page.result.length === 1, "exactly one match", page.totalCount);
  check(page.result[0]?.entityId === id, "the new relationship", page.result[0]?.entityId);
});

await step("relationships: updateRelationship, the document's PUT in JSON -> 200", async () => {
  const api = new RiskRelationshipsApi(need(bearer, "a token"));
  const id = need(relationshipId, "the new relationship");
  const written = await api.updateRelationship({ relationshipId: id, relationshipInput: DOCUMENT_EXAMPLE });
  check(written.success && written.result.entityId === id, "success, the same entityId", written);
});

await step("relationships: getRelationship reads the PUT back", async () => {
  const api = new RiskRelationshipsApi(need(bearer, "a token"));
  const id = need(relationshipId, "the new relationship");
  const got = await api.getRelationship({ relationshipId: id });
  check(got.result.name === DOCUMENT_EXAMPLE.name, "the document's name", got.result.name);
  check(got.result.supplier?.entityId === SUPPLIER, "supplier kept (omitted on PUT)", got.result.supplier);
  check(got.result.startEffectiveDate instanceof Date, "startEffectiveDate decoded as a Date", got.result.startEffectiveDate);
  check(got.result.startEffectiveDate.toISOString().startsWith("2026-05-01"), "startEffectiveDate 2026-05-01", got.result.startEffectiveDate);
});

await step("relationships: listRelationships no longer matches the old name", async () => {
  const api = new RiskRelationshipsApi(need(bearer, "a token"));
  const page = await api.listRelationships({ nameContains: run });
  check(page.totalCount === 0 && page.result.length === 0, "no match", page.totalCount);
});

// typescript-fetch writes request bodies as JSON only; XML goes through the
// generated operation with its documented per-call override of the RequestInit
// (body and Content-Type). The body is a Blob: the runtime JSON-encodes any
// other body when the operation's own Content-Type is JSON, whatever the
// override says. The JSON answer is decoded by the generated code.
await step("relationships: updateRelationship with an XML body (RequestInit override) -> 200", async () => {
  const api = new RiskRelationshipsApi(need(bearer, "a token"));
  const id = need(relationshipId, "the new relationship");
  const xmlName = `${run} xml`;
  const xml =
    `<RelationshipInput><name>${xmlName}</name><startEffectiveDate>2026-05-01</startEffectiveDate>` +
    `<organizations>${ORGANIZATION}</organizations><internalManager>${INTERNAL_MANAGER}</internalManager>` +
    `<externalManager>${EXTERNAL_MANAGER}</externalManager><classification>classification1</classification>` +
    `<category>Cat1</category><internalAccess>Team</internalAccess><externalAccess>Team</externalAccess>` +
    `<status>Relationship_Active</status></RelationshipInput>`;
  const written = await api.updateRelationship({ relationshipId: id, relationshipInput: DOCUMENT_EXAMPLE }, async ({ init }) => ({
    ...init,
    body: new Blob([xml], { type: "application/xml" }),
    headers: { ...init.headers, "Content-Type": "application/xml" },
  }));
  check(written.success && written.result.entityId === id, "success, the same entityId", written);
  const got = await api.getRelationship({ relationshipId: id });
  check(got.result.name === xmlName, "the name sent in XML", got.result.name);
});

await step("relationships: getRelationship of an unknown id -> ResponseError 404, RiskErrorEnvelope", async () => {
  const api = new RiskRelationshipsApi(need(bearer, "a token"));
  const error = await responseError(api.getRelationship({ relationshipId: randomUUID() }));
  check(error.response.status === 404, "status 404", error.response.status);
  const envelope = RiskErrorEnvelopeFromJSON(await error.response.json());
  check(envelope.success === false, "success false", envelope);
  check(envelope.errors[0]?.errorCode === "DataNotFound", "errorCode DataNotFound", envelope.errors);
  check(envelope.errors[0]?.message === "Relationship not found", "message", envelope.errors);
});

// Related users ----------------------------------------------------------------------------

await step("related users: createRelatedUser, then the document's PUT -> 201 code 200", async () => {
  const api = new RelatedUsersApi(need(bearer, "a token"));
  const created = await api.createRelatedUser({ relatedUserCreate: { username: "dleite", name: `${run}-alias` } });
  const id = Number(created.relatedUsers.id);
  check(Number.isInteger(id) && id > 0, "a numeric id", created.relatedUsers);
  const updated = await api.updateRelatedUserRaw({ relatedUserUpdate: { id, username: "dleite", name: `${run}-renamed` } });
  check(updated.raw.status === 201, "HTTP 201", updated.raw.status);
  const body = await updated.value();
  check(body.code === 200 && body.relatedUsers.name === `${run}-renamed`, "code 200, the new name", body);
});

// Relationship users ----------------------------------------------------------------------

// The dialect's own header, `Authorization: Token token=<key>`, as the
// generator's apiKey hook (its value is the whole header).
const withKey = new Configuration({ basePath, apiKey: `Token token=${apiKey}` });

await step("relationship users: createRelationshipUser with the API key -> 201", async () => {
  const api = new RelationshipUsersApi(withKey);
  const created = await api.createRelationshipUser({
    relationshipUserCreate: {
      formConfigurationName: "reference_rest_api_relationship_user_create",
      parentResourceId: "team_members",
      form: { relationshipId: need(relationshipId, "the new relationship"), userId: "3", properties: { status: "pending" } },
    },
  });
  check(Number.isInteger(created.id) && created.id > 0, "an integer id", created);
  relationshipUserId = created.id;
});

await step("relationship users: updateRelationshipUser, the document's PUT -> 200 {}", async () => {
  const api = new RelationshipUsersApi(withKey);
  const response = await api.updateRelationshipUserRaw({
    relationshipUserId: need(relationshipUserId, "the new relationship user"),
    relationshipUserUpdate: {
      formConfigurationName: "reference_rest_api_relationship_update",
      form: { properties: { status: "not_verified" } },
    },
  });
  check(response.raw.status === 200, "HTTP 200", response.raw.status);
  const body = await response.value();
  check(JSON.stringify(body) === "{}", "the document's {}", body);
});

await step("relationship users: getRelationshipUser reads the PUT back", async () => {
  const api = new RelationshipUsersApi(withKey);
  const id = need(relationshipUserId, "the new relationship user");
  const user = await api.getRelationshipUser({ relationshipUserId: id });
  check(user.id === id && user.relationshipId === relationshipId, "the same user, on the new relationship", user);
  check(user.properties["status"] === "not_verified", "properties.status not_verified", user.properties);
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
