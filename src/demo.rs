//! The demo tenant: data that makes the example requests of the three
//! vendor documents succeed verbatim, and a client with every scope.
//! Seeding is idempotent: rows are created under fixed ids when missing.

use std::collections::BTreeMap;

use uuid::{Uuid, uuid};

use crate::auth::Scope;
use crate::auth::secret::{hash_api_key, hash_secret, is_legacy, random_token, verify_secret};
use crate::domain::TenantId;
use crate::domain::form::{FormConfiguration, RELATIONSHIP_USER, Validations};
use crate::domain::relationship::{Onto, RelationshipState};
use crate::domain::setup::{
    Category, Classification, ExtensionField, Organization, RelationshipUserType, SubCategory, Supplier,
    SupplierAddress, User,
};
use crate::domain::webhook::{Events, Webhook};
use crate::store::Store;
use crate::store::relationship_users::NewRelationshipUser;
use crate::store::setup::records::Record;
use crate::webhooks::secret;

pub const TENANT: &str = "demo";

pub const ORGANIZATION: Uuid = uuid!("3fa85f64-5717-4562-b3fc-2c963f66afa6");
pub const INTERNAL_MANAGER: Uuid = uuid!("a218d8e5-8c7a-4f3e-9b12-111111111111");
pub const EXTERNAL_MANAGER: Uuid = uuid!("b218d8e5-8c7a-4f3e-9b12-222222222222");
pub const SEGURA_USER: Uuid = uuid!("c218d8e5-8c7a-4f3e-9b12-333333333333");
pub const SUPPLIER: Uuid = uuid!("5e1f8f9a-7d1c-4a43-9f53-0b1a9e6c2d10");
pub const SUPPLIER_ADDRESS: Uuid = uuid!("5e1f8f9a-7d1c-4a43-9f53-0b1a9e6c2d11");
pub const CLASSIFICATION: Uuid = uuid!("6a0c1c52-3f0e-4b8e-8d2b-7c5e4f3a2b10");
pub const CATEGORY: Uuid = uuid!("6a0c1c52-3f0e-4b8e-8d2b-7c5e4f3a2b20");
pub const SUB_CATEGORY: Uuid = uuid!("6a0c1c52-3f0e-4b8e-8d2b-7c5e4f3a2b21");
pub const RELATIONSHIP: Uuid = uuid!("d32a9192-353c-45fe-bbd4-b88702800467");
/// The related user of the Segura document's example.
pub const RELATED_USER: i64 = 6;
pub const TEAM_MEMBERS: Uuid = uuid!("6a0c1c52-3f0e-4b8e-8d2b-7c5e4f3a2b40");
pub const EXTENSION_FIELD: Uuid = uuid!("6a0c1c52-3f0e-4b8e-8d2b-7c5e4f3a2b30");

/// The demo's ids as the spec's path parameter examples, so that Swagger
/// UI's "Try it out" works on `serve --demo` without looking anything up.
pub mod examples {
    use uuid::{Uuid, uuid};

    pub fn relationship() -> String {
        super::RELATIONSHIP.to_string()
    }
    pub fn relationship_user() -> i64 {
        1
    }
    pub fn related_user() -> i64 {
        super::RELATED_USER
    }
    pub fn organization() -> Uuid {
        super::ORGANIZATION
    }
    pub fn user() -> Uuid {
        super::INTERNAL_MANAGER
    }
    pub fn supplier() -> Uuid {
        super::SUPPLIER
    }
    pub fn supplier_address() -> Uuid {
        super::SUPPLIER_ADDRESS
    }
    pub fn classification() -> Uuid {
        super::CLASSIFICATION
    }
    pub fn category() -> Uuid {
        super::CATEGORY
    }
    pub fn sub_category() -> Uuid {
        super::SUB_CATEGORY
    }
    pub fn extension_field() -> Uuid {
        super::EXTENSION_FIELD
    }
    pub fn relationship_user_type() -> Uuid {
        super::TEAM_MEMBERS
    }
    pub fn form_configuration() -> Uuid {
        FORM_CONFIGURATION
    }

    /// `reference_rest_api_relationship_update`.
    pub const FORM_CONFIGURATION: Uuid = uuid!("7b0c1c52-3f0e-4b8e-8d2b-7c5e4f3a2b02");
    pub const WEBHOOK: Uuid = uuid!("5f0a6c1e-2b7d-4e59-9a63-1c8e2d4b7f10");

    pub fn webhook() -> Uuid {
        WEBHOOK
    }
}

/// What a demo user needs to call the API.
#[derive(Debug, Clone)]
pub struct DemoCredentials {
    pub tenant: TenantId,
    pub client_id: String,
    pub client_secret: String,
    pub api_key: String,
}

/// The demo's credentials as `export LIAISON_...=...` lines, ready to paste
/// into a shell: the variables `scripts/quickstart` and the README use.
pub fn export_lines(url: &str, demo: &DemoCredentials) -> Vec<String> {
    [
        ("LIAISON_URL", url),
        ("LIAISON_CLIENT_ID", demo.client_id.as_str()),
        ("LIAISON_CLIENT_SECRET", demo.client_secret.as_str()),
        ("LIAISON_API_KEY", demo.api_key.as_str()),
    ]
    .into_iter()
    .map(|(name, value)| format!("export {name}={}", shell_quoted(value)))
    .collect()
}

/// `value` as one shell word: as it is when that is safe, else in single quotes.
fn shell_quoted(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/@%+=,".contains(&b));
    if plain {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// Fixed values for the demo client (e.g. from `LIAISON_DEMO_CLIENT_ID`).
#[derive(Debug, Clone, Default)]
pub struct DemoSettings {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// Creates what is missing of the demo tenant and returns its credentials.
pub async fn seed(store: &Store, settings: &DemoSettings) -> anyhow::Result<DemoCredentials> {
    let tenant = store.ensure_tenant(TENANT).await?;
    seed_setup(store, tenant).await?;
    let client_id = kept(store, "demo_client_id", settings.client_id.clone(), || {
        format!("demo-{}", random_token(9))
    })
    .await?;
    // Stored only as a hash, so it can be printed only now: the given one,
    // else a new one each start (the previous one stops working).
    let client_secret = settings.client_secret.clone().unwrap_or_else(|| random_token(32));
    let scopes: Vec<String> = Scope::all_names().into_iter().map(str::to_string).collect();
    match store.client_secret(&client_id).await? {
        None => {
            store
                .client_create(
                    tenant,
                    &client_id,
                    "demo client",
                    &hash_secret(&client_secret)?,
                    &scopes,
                )
                .await?
        }
        Some(existing)
            if is_legacy(&existing.secret_hash)
                || !verify_secret(&client_secret, &existing.secret_hash)
                || existing.scopes != scopes =>
        {
            store
                .client_reset(&client_id, &hash_secret(&client_secret)?, &scopes)
                .await?
        }
        Some(_) => {}
    }
    // Likewise: a new API key each start, replacing the demo's previous one.
    let api_key = random_token(32);
    store.api_key_put(tenant, "demo", &hash_api_key(&api_key)).await?;
    Ok(DemoCredentials {
        tenant,
        client_id,
        client_secret,
        api_key,
    })
}

/// A demo value that is no secret (the client id): the given one, else the
/// one kept from an earlier run, else a new one; kept for the next run
/// either way. Secrets are never kept in clear.
async fn kept(
    store: &Store,
    name: &str,
    given: Option<String>,
    make: impl FnOnce() -> String,
) -> anyhow::Result<String> {
    let value = match given {
        Some(value) => value,
        None => match store.setting(name).await? {
            Some(value) => value,
            None => make(),
        },
    };
    store.setting_put(name, &value).await?;
    Ok(value)
}

/// Inserts `data` under `id` unless that row exists.
async fn ensure<R: Record>(
    store: &Store,
    tenant: TenantId,
    id: Uuid,
    parent: Option<Uuid>,
    data: R,
) -> anyhow::Result<()> {
    if store.record_get::<R>(tenant, None, id).await?.is_none() {
        store.record_insert(tenant, Some(id), parent, data).await?;
    }
    Ok(())
}

async fn ensure_user(
    store: &Store,
    tenant: TenantId,
    id: Uuid,
    username: &str,
    first: &str,
    last: &str,
) -> anyhow::Result<()> {
    if store.record_get::<User>(tenant, None, id).await?.is_none() {
        let number = store.next_number(tenant, "users").await?;
        let email = format!("{username}@example.com");
        let user = User::parse(number, username, first, last, &email, None).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        store.record_insert(tenant, Some(id), None, user).await?;
    }
    Ok(())
}

fn named<T>(parsed: Result<T, Vec<crate::domain::FieldError>>) -> anyhow::Result<T> {
    parsed.map_err(|e| anyhow::anyhow!("invalid demo data: {e:?}"))
}

async fn seed_setup(store: &Store, tenant: TenantId) -> anyhow::Result<()> {
    ensure(
        store,
        tenant,
        ORGANIZATION,
        None,
        named(Organization::parse("Demo Organization", None))?,
    )
    .await?;
    ensure_user(store, tenant, INTERNAL_MANAGER, "imanager", "Irene", "Internal").await?;
    ensure_user(store, tenant, EXTERNAL_MANAGER, "emanager", "Erik", "External").await?;
    ensure_user(store, tenant, SEGURA_USER, "dleite", "Debora", "Leite Ferreira").await?;
    ensure(
        store,
        tenant,
        SUPPLIER,
        None,
        named(Supplier::parse("Demo Supplier Ltd", None))?,
    )
    .await?;
    let address = named(SupplierAddress::parse(
        "1 Harbour Road",
        None,
        "Hamburg",
        Some("20457"),
        "DE",
        None,
    ))?;
    ensure(store, tenant, SUPPLIER_ADDRESS, Some(SUPPLIER), address).await?;
    ensure(
        store,
        tenant,
        CLASSIFICATION,
        None,
        named(Classification::parse("classification1", None))?,
    )
    .await?;
    ensure(store, tenant, CATEGORY, None, named(Category::parse("Cat1", None))?).await?;
    let sub = SubCategory(named(Category::parse("SubCat1", None))?);
    ensure(store, tenant, SUB_CATEGORY, Some(CATEGORY), sub).await?;
    ensure(
        store,
        tenant,
        EXTENSION_FIELD,
        None,
        named(ExtensionField::parse("riskScore", 50, None, None))?,
    )
    .await?;
    if store.relationship_get(tenant, RELATIONSHIP).await?.is_none() {
        let state = example_relationship()?;
        store.relationship_create(tenant, RELATIONSHIP, &state).await?;
    }
    store
        .related_user_seed(tenant, RELATED_USER, SEGURA_USER, "deboraleite")
        .await?;
    seed_relationship_users(store, tenant).await?;
    seed_webhook(store, tenant).await
}

/// An inactive webhook (its host does not exist), so that the docs' examples
/// name one; its secret was never shown: create one of your own to deliver.
async fn seed_webhook(store: &Store, tenant: TenantId) -> anyhow::Result<()> {
    if store
        .record_get::<Webhook>(tenant, None, examples::WEBHOOK)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let Some(secret) = store.seal(&Webhook::binding(tenant, examples::WEBHOOK), &secret::generate()) else {
        return Ok(());
    };
    let webhook = Webhook {
        url: "https://hooks.example.com/liaison".into(),
        events: Events::parse("events", &["relationships".to_string()]).map_err(|_| anyhow::anyhow!("events"))?,
        description: Some("The demo's webhook: inactive, as its host does not exist".into()),
        active: false,
        secret,
        queued_through: store.changes_kept(tenant).await?.newest,
    };
    store
        .record_insert(tenant, Some(examples::WEBHOOK), None, webhook)
        .await?;
    Ok(())
}

/// A configuration's fields as the demo writes them.
type FieldRules = Vec<(&'static str, Validations)>;

/// The form configurations the platform's documents name, a type, and one
/// relationship user (id 1) for the document's example to update.
async fn seed_relationship_users(store: &Store, tenant: TenantId) -> anyhow::Result<()> {
    let type_id = match store
        .record_get::<RelationshipUserType>(tenant, None, TEAM_MEMBERS)
        .await?
    {
        Some(existing) => existing.data.number,
        None => {
            let number = store.next_number(tenant, "relationship_user_types").await?;
            let data = named(RelationshipUserType::parse(number, "team_members", None))?;
            store.record_insert(tenant, Some(TEAM_MEMBERS), None, data).await?;
            number
        }
    };
    let statuses = || {
        Some(vec![
            "verified".to_string(),
            "not_verified".to_string(),
            "pending".to_string(),
        ])
    };
    let present = Validations {
        presence: true,
        ..Validations::default()
    };
    let configurations: [(&str, Uuid, FieldRules); 4] = [
        (
            "reference_rest_api_relationship_user_update",
            uuid!("7b0c1c52-3f0e-4b8e-8d2b-7c5e4f3a2b01"),
            vec![("properties.status", present.clone())],
        ),
        (
            "reference_rest_api_relationship_update",
            examples::FORM_CONFIGURATION,
            vec![(
                "properties.status",
                Validations {
                    inclusion: statuses(),
                    ..present.clone()
                },
            )],
        ),
        (
            "reference_rest_api_relationship_user_create",
            uuid!("7b0c1c52-3f0e-4b8e-8d2b-7c5e4f3a2b03"),
            vec![
                ("relationship_id", present.clone()),
                ("user_id", present.clone()),
                (
                    "properties.status",
                    Validations {
                        inclusion: statuses(),
                        ..Validations::default()
                    },
                ),
            ],
        ),
        (
            "reference_rest_api_relationship_user_delete",
            uuid!("7b0c1c52-3f0e-4b8e-8d2b-7c5e4f3a2b04"),
            vec![],
        ),
    ];
    for (name, id, fields) in configurations {
        let fields = fields.into_iter().map(|(f, v)| (f.to_string(), v)).collect();
        let config = named(FormConfiguration::parse(
            name,
            RELATIONSHIP_USER,
            "anyone",
            fields,
            "demo".into(),
        ))?;
        ensure(store, tenant, id, None, config).await?;
    }
    let page = crate::domain::Page { limit: 1, offset: 0 };
    if store.relationship_user_list(tenant, RELATIONSHIP, page, None).await?.1 == 0 {
        let new = NewRelationshipUser {
            relationship_id: RELATIONSHIP,
            user_id: INTERNAL_MANAGER,
            type_id,
            properties: [("status".to_string(), "verified".to_string())].into(),
            created_by: "demo".into(),
            owner_policy: crate::domain::form::ResourceOwner::Anyone,
        };
        store.relationship_user_seed(tenant, &new).await?;
    }
    Ok(())
}

/// The demo's own relationship, as the document's example names it, read
/// as a create's body.
fn example_relationship() -> anyhow::Result<RelationshipState> {
    let body = serde_json::json!({
        "name": "Example relationship",
        "startEffectiveDate": "2026-01-01T00:00:00Z",
        "organizations": [ORGANIZATION],
        "internalManager": INTERNAL_MANAGER,
        "externalManager": EXTERNAL_MANAGER,
        "supplier": SUPPLIER,
        "classification": "classification1",
        "category": "Cat1",
        "internalAccess": "Team",
        "externalAccess": "Team",
        "status": "Relationship_Active",
        "thirdPartyLocations": [SUPPLIER_ADDRESS],
        "extensionFields": {"riskScore": "low"},
    });
    let members = body.as_object().cloned().unwrap_or_default();
    RelationshipState::parse(&members, Onto::New).map_err(|errors| anyhow::anyhow!("the demo relationship: {errors:?}"))
}

/// Seeds the demo tenant and adds generated relationships up to `count`
/// (entity ids from `store::relationships::generated_id(1..=count)`, created a minute apart
/// from 2020-01-01), for benchmarks at scale. Rows that exist stay.
pub async fn generate(store: &Store, count: u64) -> anyhow::Result<u64> {
    seed(store, &DemoSettings::default()).await?;
    let tenant = store.ensure_tenant(TENANT).await?;
    let template = RelationshipState {
        parent_relationship: None,
        third_party_locations: Vec::new(),
        extension_fields: BTreeMap::new(),
        ..example_relationship()?
    };
    let epoch = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")?.to_utc();
    let mut tx = store.begin_write(tenant).await?;
    let inserted = tx.relationships_generate(count, &template, epoch).await?;
    tx.commit().await?;
    Ok(inserted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_lines_quote_what_a_shell_would_split() {
        let demo = DemoCredentials {
            tenant: TenantId(Uuid::nil()),
            client_id: "demo-abc_1".into(),
            client_secret: "it's a secret; $HOME".into(),
            api_key: "k3y".into(),
        };
        assert_eq!(
            export_lines("http://127.0.0.1:8080", &demo),
            [
                "export LIAISON_URL=http://127.0.0.1:8080",
                "export LIAISON_CLIENT_ID=demo-abc_1",
                r"export LIAISON_CLIENT_SECRET='it'\''s a secret; $HOME'",
                "export LIAISON_API_KEY=k3y",
            ]
        );
    }
}
