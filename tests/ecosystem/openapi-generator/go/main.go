// End-to-end scenario for the Go client that openapi-generator makes from
// liaison's OpenAPI document, against a running liaison with its demo tenant.
// Every request goes through the generated package (./liaison, copied in by
// ../../openapi-generator.sh): its API services and request builders, with the
// generator's documented context values for credentials (ContextOAuth2 with an
// oauth2.TokenSource, ContextAPIKeys).
//
// Environment: LIAISON_URL, LIAISON_CLIENT_ID, LIAISON_CLIENT_SECRET,
// LIAISON_API_KEY. Prints one line per check and ends with `N passed, M
// failed`; exits 1 when a check failed.
//
// No XML here: the generated client writes a body in XML only when the
// operation's first content type is XML (JSON is first in liaison's document),
// and has no per-call hook to send another body.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"golang.org/x/oauth2"

	"liaison-oag-scenario/liaison"
)

const (
	organization    = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
	internalManager = "a218d8e5-8c7a-4f3e-9b12-111111111111"
	externalManager = "b218d8e5-8c7a-4f3e-9b12-222222222222"
	supplier        = "5e1f8f9a-7d1c-4a43-9f53-0b1a9e6c2d10"
	documentName    = "Example relationship (updated)"
)

var passed, failed int

func check(name string, ok bool, detail interface{}) bool {
	if ok {
		passed++
		fmt.Printf("ok    %s\n", name)
	} else {
		failed++
		fmt.Printf("FAIL  %s: %+v\n", name, detail)
	}
	return ok
}

// describe: a transport error, or the status and body of a non-2xx answer.
func describe(err error) string {
	var apiErr *liaison.GenericOpenAPIError
	if errors.As(err, &apiErr) {
		return fmt.Sprintf("%s: %s", apiErr.Error(), apiErr.Body())
	}
	return err.Error()
}

func env(name string) string {
	value := os.Getenv(name)
	if value == "" {
		fmt.Fprintf(os.Stderr, "scenario: %s is not set\n", name)
		os.Exit(2)
	}
	return value
}

func newID() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// The vendor document's example body of PUT /api/relationships/{relationshipId}.
func documentExample() *liaison.RelationshipInput {
	return liaison.NewRelationshipInput(documentName, "2026-05-01", []string{organization}, internalManager,
		externalManager, "classification1", "Cat1", liaison.ACCESSLEVEL_TEAM, liaison.ACCESSLEVEL_TEAM,
		liaison.RELATIONSHIPSTATUS_RELATIONSHIP_ACTIVE)
}

func token(client *liaison.APIClient) (string, error) {
	request := liaison.NewTokenRequest()
	request.SetGrantType("client_credentials")
	request.SetClientId(env("LIAISON_CLIENT_ID"))
	request.SetClientSecret(env("LIAISON_CLIENT_SECRET"))
	answer, _, err := client.OAuthAPI.CreateToken(context.Background()).TokenRequest(*request).Execute()
	if err != nil {
		return "", err
	}
	check("createToken: a Bearer token",
		strings.EqualFold(answer.TokenType, "bearer") && answer.AccessToken != "" && answer.ExpiresIn > 0,
		answer.TokenType)
	return answer.AccessToken, nil
}

func relationships(ctx context.Context, client *liaison.APIClient, run string) (string, error) {
	api := client.RiskRelationshipsAPI
	example := documentExample()
	body := liaison.NewRelationshipCreate("Go oag "+run, example.StartEffectiveDate, example.Organizations,
		example.InternalManager, example.ExternalManager, example.Classification, example.Category,
		example.InternalAccess, example.ExternalAccess, example.Status, supplier)
	written, response, err := api.CreateRelationship(ctx).RelationshipCreate(*body).Execute()
	if err != nil {
		return "", fmt.Errorf("createRelationship: %s", describe(err))
	}
	id := written.Result.EntityId
	check("createRelationship -> 201 success", response.StatusCode == 201 && written.Success && len(written.Errors) == 0, written)

	// A filter is the generated builder's method for its parameter: NameContains is `name[contains]`.
	page, response, err := api.ListRelationships(ctx).NameContains(strings.ToUpper(run)).Limit(50).Execute()
	if err != nil {
		return "", fmt.Errorf("listRelationships: %s", describe(err))
	}
	ids := []string{}
	for _, r := range page.Result {
		ids = append(ids, r.EntityId)
	}
	check("listRelationships name[contains] finds exactly the new relationship",
		page.TotalCount == 1 && len(ids) == 1 && ids[0] == id,
		fmt.Sprintf("%s -> %d %v", response.Request.URL.RawQuery, page.TotalCount, ids))

	updated, _, err := api.UpdateRelationship(ctx, id).RelationshipInput(*documentExample()).Execute()
	if err != nil {
		return "", fmt.Errorf("updateRelationship: %s", describe(err))
	}
	check("updateRelationship, the document's PUT in JSON -> 200, the same entityId",
		updated.Success && updated.Result.EntityId == id, updated)

	got, _, err := api.GetRelationship(ctx, id).Execute()
	if err != nil {
		return "", fmt.Errorf("getRelationship: %s", describe(err))
	}
	check("getRelationship after the PUT: the document's name, supplier kept, the start date",
		got.Result.Name == documentName && got.Result.Supplier != nil && got.Result.Supplier.EntityId == supplier &&
			got.Result.StartEffectiveDate.Format("2006-01-02") == "2026-05-01",
		got.Result)

	page, _, err = api.ListRelationships(ctx).NameContains(run).Execute()
	if err != nil {
		return "", fmt.Errorf("listRelationships: %s", describe(err))
	}
	check("listRelationships name[contains] no longer matches the old name",
		page.TotalCount == 0 && len(page.Result) == 0, page.TotalCount)

	_, response, err = api.GetRelationship(ctx, "00000000-0000-4000-8000-"+run).Execute()
	var apiErr *liaison.GenericOpenAPIError
	if errors.As(err, &apiErr) {
		envelope, typed := apiErr.Model().(liaison.RiskErrorEnvelope)
		check("getRelationship unknown id -> GenericOpenAPIError 404, its Model a RiskErrorEnvelope DataNotFound",
			response != nil && response.StatusCode == http.StatusNotFound && typed && !envelope.Success &&
				len(envelope.Errors) == 1 && envelope.Errors[0].ErrorCode == liaison.RISKERRORCODE_DATA_NOT_FOUND &&
				envelope.Errors[0].Message == "Relationship not found",
			string(apiErr.Body()))
	} else {
		check("getRelationship unknown id -> 404", false, err)
	}
	return id, nil
}

func relatedUsers(ctx context.Context, client *liaison.APIClient, run string) error {
	api := client.RelatedUsersAPI
	created, _, err := api.CreateRelatedUser(ctx).RelatedUserCreate(*liaison.NewRelatedUserCreate("dleite", run+"-alias")).Execute()
	if err != nil {
		return fmt.Errorf("createRelatedUser: %s", describe(err))
	}
	var id int64
	if _, err := fmt.Sscan(created.RelatedUsers.Id, &id); err != nil {
		return fmt.Errorf("createRelatedUser: id %q: %w", created.RelatedUsers.Id, err)
	}
	updated, response, err := api.UpdateRelatedUser(ctx).RelatedUserUpdate(*liaison.NewRelatedUserUpdate(id, "dleite", run+"-renamed")).Execute()
	if err != nil {
		return fmt.Errorf("updateRelatedUser: %s", describe(err))
	}
	check("updateRelatedUser, the document's PUT -> HTTP 201, code 200, the new name",
		response.StatusCode == 201 && updated.Code == 200 && updated.RelatedUsers.Name == run+"-renamed", updated)
	return nil
}

func relationshipUsers(ctx context.Context, client *liaison.APIClient, relationship string, run string) error {
	api := client.RelationshipUsersAPI
	form := liaison.NewRelationshipUserForm()
	form.SetRelationshipId(relationship)
	form.SetUserId("3")
	form.SetProperties(map[string]string{"status": "pending"})
	created, response, err := api.CreateRelationshipUser(ctx).
		RelationshipUserCreate(*liaison.NewRelationshipUserCreate("reference_rest_api_relationship_user_create", "team_members", *form)).
		Execute()
	if err != nil {
		return fmt.Errorf("createRelationshipUser: %s", describe(err))
	}
	check("createRelationshipUser with the API key -> 201 {id, errors: {}}",
		response.StatusCode == 201 && created.Id > 0 && len(created.Errors) == 0, created)

	update := liaison.NewRelationshipUserUpdateForm()
	update.SetProperties(map[string]string{"status": "not_verified"})
	// The X-Correlation-Id header, through the builder every generated operation has.
	done, response, err := api.UpdateRelationshipUser(ctx, created.Id).
		RelationshipUserUpdate(*liaison.NewRelationshipUserUpdate("reference_rest_api_relationship_update", *update)).
		XCorrelationId(run).Execute()
	if err != nil {
		return fmt.Errorf("updateRelationshipUser: %s", describe(err))
	}
	check("updateRelationshipUser, the document's PUT -> 200 {}", response.StatusCode == 200 && len(done) == 0, done)

	got, _, err := api.GetRelationshipUser(ctx, created.Id).Execute()
	if err != nil {
		return fmt.Errorf("getRelationshipUser: %s", describe(err))
	}
	check("getRelationshipUser reads the PUT back",
		got.Id == created.Id && got.RelationshipId == relationship && got.Properties["status"] == "not_verified", got)
	return nil
}

func main() {
	base := strings.TrimRight(env("LIAISON_URL"), "/")
	apiKey := env("LIAISON_API_KEY")
	run := newID()
	fmt.Printf("liaison openapi-generator Go client scenario against %s\n", base)

	config := liaison.NewConfiguration()
	config.Servers = liaison.ServerConfigurations{{URL: base}}
	client := liaison.NewAPIClient(config)

	step := func(name string, err error) bool {
		if err != nil {
			check(name, false, err)
			return false
		}
		return true
	}

	accessToken, err := token(client)
	if step("createToken", err) {
		// The generator's OAuth2 hook: a token source in the context, sent as `Bearer <token>`.
		bearer := context.WithValue(context.Background(), liaison.ContextOAuth2,
			oauth2.StaticTokenSource(&oauth2.Token{AccessToken: accessToken, TokenType: "Bearer"}))
		relationship, err := relationships(bearer, client, run)
		created := step("risk relationships", err)
		step("related users", relatedUsers(bearer, client, run))
		// The Relationship users dialect's own header: `Authorization: Token token=<key>`.
		keyed := context.WithValue(context.Background(), liaison.ContextAPIKeys, map[string]liaison.APIKey{
			"relationshipUsersToken": {Key: "token=" + apiKey, Prefix: "Token"},
		})
		if created {
			step("relationship users", relationshipUsers(keyed, client, relationship, run))
		} else {
			check("relationship users", false, "skipped: no relationship was created")
		}
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 || passed == 0 {
		os.Exit(1)
	}
}
