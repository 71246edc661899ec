//! Relationship users: a user on a relationship's team, of one type, with
//! free properties.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{Any, Executor, Row as _};
use uuid::Uuid;

use crate::domain::form::ResourceOwner;
use crate::domain::setup::RelationshipUserType;
use crate::domain::{Page, TenantId, Version};
use crate::store::changes::{Change, Fields};
use crate::store::setup::records::{Col, conflict_or};
use crate::store::{Aggregate, Removable, Store, WriteError, WriteTx, from_db_time, from_db_uuid, now, to_db_time};

/// A stored relationship user, with the names a reader wants.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipUserRecord {
    pub id: i64,
    pub relationship_id: Uuid,
    pub relationship_number: String,
    pub user_entity_id: Uuid,
    pub user_id: i64,
    pub username: String,
    pub type_id: i64,
    pub type_name: String,
    pub properties: BTreeMap<String, String>,
    pub created_by: String,
    pub owner_policy: ResourceOwner,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

/// What a new relationship user is made of (ids already resolved).
#[derive(Debug, Clone)]
pub struct NewRelationshipUser {
    pub relationship_id: Uuid,
    pub user_id: Uuid,
    pub type_id: i64,
    pub properties: BTreeMap<String, String>,
    pub created_by: String,
    pub owner_policy: ResourceOwner,
}

const SELECT: &str = "SELECT ru.id, ru.relationship_id, r.relationship_number, ru.user_id AS user_entity_id, \
    u.id AS user_number, u.username, ru.type_id, t.name AS type_name, ru.properties, ru.created_by, ru.owner_policy, \
    ru.version, \
    ru.created_at, ru.modified_at \
    FROM relationship_users ru \
    JOIN relationships r ON r.tenant_id = ru.tenant_id AND r.entity_id = ru.relationship_id \
    JOIN users u ON u.tenant_id = ru.tenant_id AND u.entity_id = ru.user_id \
    JOIN relationship_user_types t ON t.tenant_id = ru.tenant_id AND t.id = ru.type_id";

fn from_row(row: &sqlx::any::AnyRow) -> Result<RelationshipUserRecord, sqlx::Error> {
    let properties: String = row.try_get("properties")?;
    Ok(RelationshipUserRecord {
        id: row.try_get("id")?,
        relationship_id: from_db_uuid(&row.try_get::<String, _>("relationship_id")?)?,
        relationship_number: row.try_get("relationship_number")?,
        user_entity_id: from_db_uuid(&row.try_get::<String, _>("user_entity_id")?)?,
        user_id: row.try_get("user_number")?,
        username: row.try_get("username")?,
        type_id: row.try_get("type_id")?,
        type_name: row.try_get("type_name")?,
        properties: serde_json::from_str(&properties).map_err(|e| sqlx::Error::Decode(e.into()))?,
        created_by: row.try_get("created_by")?,
        owner_policy: ResourceOwner::parse(&row.try_get::<String, _>("owner_policy")?)
            .ok_or_else(|| sqlx::Error::Decode("unexpected owner_policy".into()))?,
        version: Version(row.try_get("version")?),
        created_at: from_db_time(&row.try_get::<String, _>("created_at")?)?,
        modified_at: from_db_time(&row.try_get::<String, _>("modified_at")?)?,
    })
}

impl Store {
    /// Creates a relationship user in a write of its own (for the demo tenant).
    pub async fn relationship_user_seed(&self, tenant: TenantId, new: &NewRelationshipUser) -> Result<i64, WriteError> {
        let mut tx = self.begin_write(tenant).await?;
        let id = tx.relationship_user_insert(new).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn relationship_user_get(
        &self,
        tenant: TenantId,
        id: i64,
    ) -> Result<Option<RelationshipUserRecord>, sqlx::Error> {
        by_id(&mut *self.reader().await?, tenant, id, "").await
    }

    /// A page of a relationship's users, by id (from `page.offset`, or
    /// after the id `after`), and their total.
    pub async fn relationship_user_list(
        &self,
        tenant: TenantId,
        relationship_id: Uuid,
        page: Page,
        after: Option<i64>,
    ) -> Result<(Vec<RelationshipUserRecord>, i64), sqlx::Error> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE ru.tenant_id = $1 AND ru.relationship_id = $2 AND ru.id > $3 ORDER BY ru.id LIMIT $4 OFFSET $5"
        ))
        .bind(tenant.to_string())
        .bind(relationship_id.to_string())
        .bind(after.unwrap_or(i64::MIN))
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
        .fetch_all(&mut *self.reader().await?)
        .await?;
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM relationship_users WHERE tenant_id = $1 AND relationship_id = $2")
                .bind(tenant.to_string())
                .bind(relationship_id.to_string())
                .fetch_one(&mut *self.reader().await?)
                .await?;
        Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, total))
    }
}

/// The tenant's relationship user `id`, read with `lock`.
async fn by_id<'c>(
    executor: impl Executor<'c, Database = Any>,
    tenant: TenantId,
    id: i64,
    lock: &str,
) -> Result<Option<RelationshipUserRecord>, sqlx::Error> {
    sqlx::query(&format!("{SELECT} WHERE ru.tenant_id = $1 AND ru.id = $2{lock}"))
        .bind(tenant.to_string())
        .bind(id)
        .fetch_optional(executor)
        .await?
        .map(|row| from_row(&row))
        .transpose()
}

impl WriteTx {
    /// An active relationship user type by integer id or by name.
    pub async fn relationship_user_type(&mut self, text: &str) -> Result<Option<i64>, sqlx::Error> {
        let text = text.trim();
        let found = match text.parse::<i64>() {
            Ok(number) => self.record_find::<RelationshipUserType>("id", Col::Int(number)).await?,
            Err(_) => {
                self.record_find::<RelationshipUserType>("name", Col::Text(text.to_string()))
                    .await?
            }
        };
        Ok(found.filter(|t| t.data.active).map(|t| t.data.number))
    }

    /// Creates a relationship user with the tenant's next number. The same
    /// user twice on a relationship with the same type: a conflict.
    pub async fn relationship_user_insert(&mut self, new: &NewRelationshipUser) -> Result<i64, WriteError> {
        let at = to_db_time(now());
        let id = self.next_number("relationship_users").await?;
        sqlx::query(
            "INSERT INTO relationship_users (tenant_id, id, relationship_id, user_id, type_id, properties, created_by, \
             owner_policy, version, created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)",
        )
        .bind(self.tenant().to_string())
        .bind(id)
        .bind(new.relationship_id.to_string())
        .bind(new.user_id.to_string())
        .bind(new.type_id)
        .bind(properties_json(&new.properties))
        .bind(new.created_by.clone())
        .bind(new.owner_policy.as_str())
        .bind(at)
        .execute(self.conn())
        .await
        .map_err(|e| conflict_or(e, "the user is already on this relationship with this type"))?;
        let fields = fields(new.relationship_id, new.user_id, new.type_id, &new.properties);
        self.record(Change::created(RESOURCE, id, 1, fields));
        Ok(id)
    }
}

/// The change history's name of relationship users.
const RESOURCE: &str = "relationship_users";

/// A relationship user as the change history shows it (its properties as one field).
fn fields(relationship: Uuid, user: Uuid, type_id: i64, properties: &BTreeMap<String, String>) -> Fields {
    Fields::from_iter([
        ("relationshipId".to_string(), Value::String(relationship.to_string())),
        ("userId".to_string(), Value::String(user.to_string())),
        ("typeId".to_string(), Value::from(type_id)),
        ("properties".to_string(), properties_value(properties)),
    ])
}

fn properties_value(properties: &BTreeMap<String, String>) -> Value {
    Value::Object(
        properties
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

fn properties_json(properties: &BTreeMap<String, String>) -> String {
    serde_json::to_string(properties).unwrap_or_else(|_| "{}".into())
}

impl Aggregate for RelationshipUserRecord {
    type Key = i64;
    /// The properties, as they are to be stored.
    type Next = BTreeMap<String, String>;
    const NAME: &'static str = "Relationship user";
    const RESOURCE: &'static str = RESOURCE;

    fn version(&self) -> Version {
        self.version
    }

    fn id(&self) -> String {
        self.id.to_string()
    }

    fn fields(&self) -> Fields {
        fields(
            self.relationship_id,
            self.user_entity_id,
            self.type_id,
            &self.properties,
        )
    }

    fn next_fields(properties: &BTreeMap<String, String>) -> Fields {
        Fields::from_iter([("properties".to_string(), properties_value(properties))])
    }

    async fn lock(tx: &mut WriteTx, id: &i64) -> Result<Option<Self>, sqlx::Error> {
        let (tenant, lock) = (tx.tenant(), tx.for_update_of("ru"));
        by_id(tx.conn(), tenant, *id, &lock).await
    }

    async fn save(
        &self,
        tx: &mut WriteTx,
        properties: &BTreeMap<String, String>,
        at: DateTime<Utc>,
    ) -> Result<Version, WriteError> {
        let tenant = tx.tenant();
        let version: i64 = sqlx::query_scalar(
            "UPDATE relationship_users SET properties = $1, version = version + 1, modified_at = $2 \
             WHERE tenant_id = $3 AND id = $4 RETURNING version",
        )
        .bind(properties_json(properties))
        .bind(to_db_time(at))
        .bind(tenant.to_string())
        .bind(self.id)
        .fetch_one(tx.conn())
        .await?;
        Ok(Version(version))
    }
}

impl Removable for RelationshipUserRecord {
    async fn remove(&self, tx: &mut WriteTx) -> Result<(), WriteError> {
        let tenant = tx.tenant();
        sqlx::query("DELETE FROM relationship_users WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(self.id)
            .execute(tx.conn())
            .await?;
        Ok(())
    }
}
