// End-to-end scenario for the Java client (library `native`: java.net.http and
// Jackson) that openapi-generator makes from liaison's OpenAPI document, against
// a running liaison with its demo tenant: token, create, filtered list, update,
// get, an unknown id. Every request goes through the generated API classes;
// credentials through ApiClient's request interceptor, the library's documented
// hook (`native` generates no authentication of its own).
//
// Compiled by ../../openapi-generator.sh with the generated sources (see there
// for the class path). Environment: LIAISON_URL, LIAISON_CLIENT_ID,
// LIAISON_CLIENT_SECRET. Prints one line per check and ends with
// `N passed, M failed`; exits 1 when a check failed.

import java.time.LocalDate;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.liaison.client.ApiClient;
import org.liaison.client.ApiException;
import org.liaison.client.api.OAuthApi;
import org.liaison.client.api.RiskRelationshipsApi;
import org.liaison.client.model.AccessLevel;
import org.liaison.client.model.RelationshipCreate;
import org.liaison.client.model.RelationshipInput;
import org.liaison.client.model.RelationshipStatus;
import org.liaison.client.model.RelationshipEnvelope;
import org.liaison.client.model.RelationshipWrittenEnvelope;
import org.liaison.client.model.RiskErrorCode;
import org.liaison.client.model.RiskErrorEnvelope;
import org.liaison.client.model.RelationshipListEnvelope;
import org.liaison.client.model.TokenRequest;
import org.liaison.client.model.TokenResponse;

public final class Scenario {
  private static final UUID ORGANIZATION = UUID.fromString("3fa85f64-5717-4562-b3fc-2c963f66afa6");
  private static final UUID INTERNAL_MANAGER = UUID.fromString("a218d8e5-8c7a-4f3e-9b12-111111111111");
  private static final UUID EXTERNAL_MANAGER = UUID.fromString("b218d8e5-8c7a-4f3e-9b12-222222222222");
  private static final UUID SUPPLIER = UUID.fromString("5e1f8f9a-7d1c-4a43-9f53-0b1a9e6c2d10");
  private static final String DOCUMENT_NAME = "Example relationship (updated)";

  private static int passed;
  private static int failed;

  private static void check(String name, boolean ok, Object detail) {
    if (ok) {
      passed++;
      System.out.println("ok    " + name);
    } else {
      failed++;
      System.out.println("FAIL  " + name + ": " + detail);
    }
  }

  private static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      System.err.println("scenario: " + name + " is not set");
      System.exit(2);
    }
    return value;
  }

  private static ApiClient client(String base) {
    ApiClient client = new ApiClient();
    client.updateBaseUri(base);
    return client;
  }

  // The vendor document's example body of PUT /api/relationships/{relationshipId}.
  private static RelationshipInput documentExample() {
    return new RelationshipInput()
        .name(DOCUMENT_NAME)
        .startEffectiveDate(LocalDate.parse("2026-05-01"))
        .organizations(Set.of(ORGANIZATION))
        .internalManager(INTERNAL_MANAGER)
        .externalManager(EXTERNAL_MANAGER)
        .classification("classification1")
        .category("Cat1")
        .internalAccess(AccessLevel.TEAM)
        .externalAccess(AccessLevel.TEAM)
        .status(RelationshipStatus.RELATIONSHIP_ACTIVE);
  }

  private static RelationshipListEnvelope listByName(RiskRelationshipsApi api, String contains) throws ApiException {
    return api.listRelationships(RiskRelationshipsApi.APIListRelationshipsRequest.newBuilder()
        .nameContains(contains)
        .limit(50)
        .build());
  }

  private static void relationships(RiskRelationshipsApi api, String run) throws Exception {
    RelationshipInput example = documentExample();
    RelationshipCreate body = new RelationshipCreate()
        .name("Java oag " + run)
        .startEffectiveDate(example.getStartEffectiveDate())
        .organizations(example.getOrganizations())
        .internalManager(example.getInternalManager())
        .externalManager(example.getExternalManager())
        .classification(example.getClassification())
        .category(example.getCategory())
        .internalAccess(example.getInternalAccess())
        .externalAccess(example.getExternalAccess())
        .status(example.getStatus())
        .supplier(SUPPLIER);
    RelationshipWrittenEnvelope written = api.createRelationship(
        RiskRelationshipsApi.APICreateRelationshipRequest.newBuilder().relationshipCreate(body).build());
    UUID id = written.getResult().getEntityId();
    check("createRelationship -> 201 success", written.getSuccess() && written.getErrors().isEmpty(), written);

    RelationshipListEnvelope page = listByName(api, run.toUpperCase());
    check("listRelationships name[contains] finds exactly the new relationship",
        page.getTotalCount() == 1 && page.getResult().size() == 1 && page.getResult().get(0).getEntityId().equals(id),
        page.getTotalCount() + " " + page.getResult().stream().map(r -> r.getEntityId().toString()).collect(Collectors.joining(",")));

    RelationshipWrittenEnvelope updated = api.updateRelationship(RiskRelationshipsApi.APIUpdateRelationshipRequest
        .newBuilder().relationshipId(id).relationshipInput(documentExample()).build());
    check("updateRelationship, the document's PUT in JSON -> 200, the same entityId",
        updated.getSuccess() && updated.getResult().getEntityId().equals(id), updated);

    RelationshipEnvelope got = api.getRelationship(
        RiskRelationshipsApi.APIGetRelationshipRequest.newBuilder().relationshipId(id).build());
    check("getRelationship after the PUT: the document's name, supplier kept, the start date",
        got.getResult().getName().equals(DOCUMENT_NAME)
            && got.getResult().getSupplier() != null
            && got.getResult().getSupplier().getEntityId().equals(SUPPLIER)
            && got.getResult().getStartEffectiveDate().toLocalDate().toString().equals("2026-05-01"),
        got.getResult());

    page = listByName(api, run);
    check("listRelationships name[contains] no longer matches the old name",
        page.getTotalCount() == 0 && page.getResult().isEmpty(), page.getTotalCount());

    try {
      api.getRelationship(RiskRelationshipsApi.APIGetRelationshipRequest.newBuilder().relationshipId(UUID.randomUUID()).build());
      check("getRelationship unknown id -> ApiException 404", false, "it answered 2xx");
    } catch (ApiException e) {
      // `native` keeps the body as text: the generated model and ObjectMapper decode it.
      RiskErrorEnvelope envelope = ApiClient.createDefaultObjectMapper().readValue(e.getResponseBody(), RiskErrorEnvelope.class);
      check("getRelationship unknown id -> ApiException 404, a RiskErrorEnvelope DataNotFound",
          e.getCode() == 404 && !envelope.getSuccess() && envelope.getErrors().size() == 1
              && envelope.getErrors().get(0).getErrorCode() == RiskErrorCode.DATA_NOT_FOUND
              && envelope.getErrors().get(0).getMessage().equals("Relationship not found"),
          e.getResponseBody());
    }
  }

  public static void main(String[] args) {
    String base = env("LIAISON_URL").replaceAll("/+$", "");
    String run = "java-oag-" + UUID.randomUUID().toString().substring(0, 12);
    System.out.println("liaison openapi-generator Java client scenario against " + base);
    try {
      TokenResponse token = new OAuthApi(client(base)).createToken(OAuthApi.APICreateTokenRequest.newBuilder()
          .tokenRequest(new TokenRequest()
              .grantType("client_credentials")
              .clientId(env("LIAISON_CLIENT_ID"))
              .clientSecret(env("LIAISON_CLIENT_SECRET")))
          .build());
      check("createToken: a Bearer token",
          "bearer".equalsIgnoreCase(token.getTokenType()) && !token.getAccessToken().isEmpty() && token.getExpiresIn() > 0,
          token.getTokenType());
      ApiClient bearer = client(base);
      bearer.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + token.getAccessToken()));
      relationships(new RiskRelationshipsApi(bearer), run);
    } catch (Exception e) {
      String body = e instanceof ApiException ? " " + ((ApiException) e).getResponseBody() : "";
      check("risk relationships", false, e + body);
    }
    System.out.println(passed + " passed, " + failed + " failed");
    System.exit(failed == 0 && passed > 0 ? 0 : 1);
  }
}
