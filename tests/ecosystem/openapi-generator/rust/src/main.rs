//! End-to-end scenario for the Rust client (reqwest) that openapi-generator makes
//! from liaison's OpenAPI document, against a running liaison with its demo
//! tenant. Every request goes through the generated crate `liaison_client`: its
//! operations, the list's filters as their plain arguments (see `list_by_name`).
//!
//! Environment: LIAISON_URL, LIAISON_CLIENT_ID, LIAISON_CLIENT_SECRET,
//! LIAISON_API_KEY. Prints one line per check and ends with `N passed, M
//! failed`; exits 1 when a check failed.
//!
//! No XML here: the generated crate writes every body with `RequestBuilder::json`
//! and reads only JSON (and text/plain) answers; an XML answer is a Serde error
//! that drops the body, and there is no per-call hook to send another body.

use std::collections::HashMap;
use std::fmt::Debug;
use std::process::ExitCode;

use liaison_client::apis::configuration::{ApiKey, Configuration};
use liaison_client::apis::{o_auth_api, related_users_api, relationship_users_api, risk_relationships_api, Error};
use liaison_client::models;

const ORGANIZATION: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const INTERNAL_MANAGER: &str = "a218d8e5-8c7a-4f3e-9b12-111111111111";
const EXTERNAL_MANAGER: &str = "b218d8e5-8c7a-4f3e-9b12-222222222222";
const SUPPLIER: &str = "5e1f8f9a-7d1c-4a43-9f53-0b1a9e6c2d10";

type Failure = Box<dyn std::error::Error>;

#[derive(Default)]
struct Checks {
    passed: u32,
    failed: u32,
}

impl Checks {
    fn check(&mut self, name: &str, ok: bool, detail: impl Debug) -> bool {
        if ok {
            self.passed += 1;
            println!("ok    {name}");
        } else {
            self.failed += 1;
            println!("FAIL  {name}: {detail:?}");
        }
        ok
    }

    /// A step's error (a transport error, an unexpected status) is one failed check.
    fn step<T>(&mut self, name: &str, result: Result<T, Failure>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.check(name, false, error);
                None
            }
        }
    }
}

fn env(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => {
            eprintln!("scenario: {name} is not set");
            std::process::exit(2);
        }
    }
}

/// The generated error, shown with the body liaison sent.
fn failure<T: Debug>(error: Error<T>) -> Failure {
    match error {
        Error::ResponseError(content) => format!("HTTP {}: {}", content.status, content.content).into(),
        other => format!("{other}").into(),
    }
}

fn uuid(text: &str) -> uuid::Uuid {
    text.parse().expect("a constant UUID")
}

/// The vendor document's example body of PUT /api/relationships/{relationshipId}.
fn document_example() -> models::RelationshipInput {
    models::RelationshipInput::new(
        "Example relationship (updated)".into(),
        // `format: date`: the generator's chrono::NaiveDate.
        "2026-05-01".parse().expect("a constant date"),
        vec![uuid(ORGANIZATION)],
        uuid(INTERNAL_MANAGER),
        uuid(EXTERNAL_MANAGER),
        "classification1".into(),
        "Cat1".into(),
        models::AccessLevel::Team,
        models::AccessLevel::Team,
        models::RelationshipStatus::RelationshipActive,
    )
}

/// listRelationships filtered by `name[contains]`, through the generated
/// function: one argument per parameter, in the document's order, each filter
/// operator its own (`name[contains]` is `name_left_square_bracket_contains_right_square_bracket`).
async fn list_by_name(config: &Configuration, contains: &str) -> Result<models::RelationshipListEnvelope, Failure> {
    risk_relationships_api::list_relationships(
        config,
        Some(50),       // limit
        None,           // offset
        None,           // after
        None,           // order_by
        None,           // dir
        None,           // entityId[eq]
        None,           // name[eq]
        Some(contains), // name[contains]
        None,           // status[eq]
        None,           // status[contains]
        None,           // relationshipNumber[eq]
        None,           // relationshipNumber[contains]
        None,           // classification[eq]
        None,           // classification[contains]
        None,           // category[eq]
        None,           // category[contains]
        None,           // createdAt[eq]
        None,           // createdAt[lt]
        None,           // createdAt[gt]
        None,           // modifiedAt[eq]
        None,           // modifiedAt[lt]
        None,           // modifiedAt[gt]
        None,           // startEffectiveDate[eq]
        None,           // startEffectiveDate[lt]
        None,           // startEffectiveDate[gt]
        None,           // If-None-Match
        None,           // X-Correlation-Id
    )
    .await
    .map_err(failure)
}

async fn token(checks: &mut Checks, base_path: &str) -> Result<String, Failure> {
    let anonymous = Configuration {
        base_path: base_path.into(),
        ..Configuration::new()
    };
    let request = models::TokenRequest {
        grant_type: Some("client_credentials".into()),
        client_id: Some(env("LIAISON_CLIENT_ID")),
        client_secret: Some(env("LIAISON_CLIENT_SECRET")),
        ..models::TokenRequest::new()
    };
    let token = o_auth_api::create_token(&anonymous, request, None)
        .await
        .map_err(failure)?;
    checks.check(
        "createToken: a Bearer token",
        token.token_type.eq_ignore_ascii_case("bearer") && !token.access_token.is_empty() && token.expires_in > 0,
        (&token.token_type, token.expires_in),
    );
    Ok(token.access_token)
}

async fn relationships(checks: &mut Checks, config: &Configuration, run: &str) -> Result<uuid::Uuid, Failure> {
    let created_name = format!("Rust oag {run}");
    let example = document_example();
    let body = models::RelationshipCreate::new(
        created_name,
        example.start_effective_date,
        example.organizations,
        example.internal_manager,
        example.external_manager,
        example.classification,
        example.category,
        example.internal_access,
        example.external_access,
        example.status,
        uuid(SUPPLIER),
    );
    let written = risk_relationships_api::create_relationship(config, body, None)
        .await
        .map_err(failure)?;
    let id = written.result.entity_id;
    checks.check(
        "createRelationship -> 201 success",
        written.success && written.errors.is_empty(),
        &written,
    );

    let page = list_by_name(config, &run.to_uppercase()).await?;
    checks.check(
        "listRelationships name[contains] finds exactly the new relationship",
        page.total_count == 1 && page.result.iter().map(|r| r.entity_id).eq([id]),
        (
            page.total_count,
            page.result.iter().map(|r| r.entity_id).collect::<Vec<_>>(),
        ),
    );

    let updated = risk_relationships_api::update_relationship(config, &id.to_string(), document_example(), None, None)
        .await
        .map_err(failure)?;
    checks.check(
        "updateRelationship, the document's PUT in JSON -> 200, the same entityId",
        updated.success && updated.result.entity_id == id,
        &updated,
    );

    let got = risk_relationships_api::get_relationship(config, &id.to_string(), None, None, None)
        .await
        .map_err(failure)?;
    checks.check(
        "getRelationship after the PUT: the document's name, supplier kept, the start date",
        got.result.name == "Example relationship (updated)"
            && got.result.supplier.as_ref().map(|s| s.entity_id) == Some(uuid(SUPPLIER))
            && got.result.start_effective_date.date_naive().to_string() == "2026-05-01",
        (&got.result.name, &got.result.supplier, got.result.start_effective_date),
    );

    let page = list_by_name(config, run).await?;
    checks.check(
        "listRelationships name[contains] no longer matches the old name",
        page.total_count == 0 && page.result.is_empty(),
        page.total_count,
    );

    match risk_relationships_api::get_relationship(config, &uuid::Uuid::new_v4().to_string(), None, None, None).await {
        Err(Error::ResponseError(content)) => {
            // The typed error is an untagged enum with one variant per documented
            // status, all of them RiskErrorEnvelope here: serde picks the first that
            // fits (Status400) whatever the status, which is content.status.
            let ok = match &content.entity {
                Some(risk_relationships_api::GetRelationshipError::Status400(envelope)) => {
                    !envelope.success
                        && envelope.errors.first().is_some_and(|e| {
                            e.error_code == models::RiskErrorCode::DataNotFound && e.message == "Relationship not found"
                        })
                }
                _ => false,
            };
            checks.check(
                "getRelationship unknown id -> Error::ResponseError 404, a GetRelationshipError holding the RiskErrorEnvelope",
                content.status.as_u16() == 404 && ok,
                &content.content,
            );
        }
        other => {
            checks.check(
                "getRelationship unknown id -> 404",
                false,
                other.map(|e| e.success).map_err(failure),
            );
        }
    }
    Ok(id)
}

async fn related_users(checks: &mut Checks, config: &Configuration, run: &str) -> Result<(), Failure> {
    let created = related_users_api::create_related_user(
        config,
        models::RelatedUserCreate::new("dleite".into(), format!("{run}-alias")),
        None,
    )
    .await
    .map_err(failure)?;
    let id: i64 = created.related_users.id.parse()?;
    let new_name = format!("{run}-renamed");
    // 201 with "code": 200 on the wire; the generated function answers the body.
    let updated = related_users_api::update_related_user(
        config,
        models::RelatedUserUpdate::new(id, "dleite".into(), new_name.clone()),
        None,
        None,
    )
    .await
    .map_err(failure)?;
    checks.check(
        "updateRelatedUser, the document's PUT -> code 200, the new name",
        updated.code == 200 && updated.related_users.name == new_name,
        &updated,
    );
    Ok(())
}

async fn relationship_users(
    checks: &mut Checks,
    config: &Configuration,
    relationship: uuid::Uuid,
    run: &str,
) -> Result<(), Failure> {
    let form = models::RelationshipUserForm {
        // Nullable members: the outer Option is "sent", the inner one "not null".
        relationship_id: Some(Some(relationship.to_string())),
        user_id: Some(Some("3".into())),
        properties: Some(Some(HashMap::from([("status".to_string(), "pending".to_string())]))),
    };
    let created = relationship_users_api::create_relationship_user(
        config,
        models::RelationshipUserCreate::new(
            "reference_rest_api_relationship_user_create".into(),
            "team_members".into(),
            form,
        ),
        None,
    )
    .await
    .map_err(failure)?;
    checks.check(
        "createRelationshipUser with the API key -> 201 {id, errors: {}}",
        created.id > 0 && created.errors.is_empty(),
        &created,
    );

    let update = models::RelationshipUserUpdate::new(
        "reference_rest_api_relationship_update".into(),
        models::RelationshipUserUpdateForm {
            properties: Some(Some(HashMap::from([(
                "status".to_string(),
                "not_verified".to_string(),
            )]))),
        },
    );
    // The X-Correlation-Id header, through the parameter every generated operation has.
    let done = relationship_users_api::update_relationship_user(config, created.id, update, None, Some(run))
        .await
        .map_err(failure)?;
    checks.check(
        "updateRelationshipUser, the document's PUT -> {}",
        done == serde_json::json!({}),
        &done,
    );

    let got = relationship_users_api::get_relationship_user(config, created.id, None, None, None)
        .await
        .map_err(failure)?;
    checks.check(
        "getRelationshipUser reads the PUT back",
        got.id == created.id
            && got.relationship_id == relationship
            && got.properties.get("status").map(String::as_str) == Some("not_verified"),
        &got,
    );
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let base_path = env("LIAISON_URL").trim_end_matches('/').to_string();
    let api_key = env("LIAISON_API_KEY");
    let run = format!("rs-oag-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    println!("liaison openapi-generator Rust client scenario against {base_path}");
    let mut checks = Checks::default();

    let result = token(&mut checks, &base_path).await;
    if let Some(token) = checks.step("createToken", result) {
        let bearer = Configuration {
            base_path: base_path.clone(),
            oauth_access_token: Some(token),
            ..Configuration::new()
        };
        let result = relationships(&mut checks, &bearer, &run).await;
        let relationship = checks.step("risk relationships", result);
        let result = related_users(&mut checks, &bearer, &run).await;
        checks.step("related users", result);
        // The Relationship users dialect's own header: `Authorization: Token token=<key>`.
        let keyed = Configuration {
            base_path: base_path.clone(),
            api_key: Some(ApiKey {
                prefix: Some("Token".into()),
                key: format!("token={api_key}"),
            }),
            ..Configuration::new()
        };
        match relationship {
            Some(relationship) => {
                let result = relationship_users(&mut checks, &keyed, relationship, &run).await;
                checks.step("relationship users", result);
            }
            None => {
                checks.check("relationship users", false, "skipped: no relationship was created");
            }
        }
    }
    println!("{} passed, {} failed", checks.passed, checks.failed);
    if checks.failed == 0 && checks.passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
