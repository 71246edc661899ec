//! Related users: alias names bound to a user of the tenant.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{Any, Executor, Row as _};
use uuid::Uuid;

use crate::domain::{TenantId, Version};
use crate::store::changes::{Change, Fields};
use crate::store::setup::records::counter_at_least;
use crate::store::{Aggregate, Store, WriteError, WriteTx, from_db_time, from_db_uuid, now, to_db_time};

/// A related user with its user's login name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedUser {
    pub id: i64,
    pub name: String,
    pub username: String,
    pub active: bool,
    pub version: Version,
    pub modified_at: DateTime<Utc>,
    /// The user the alias is bound to (`username` is its login name).
    pub user: Uuid,
}

/// What deactivating found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deactivation {
    Done,
    AlreadyInactive,
    NotFound,
}

const SELECT: &str = "SELECT r.id, r.name, u.username, r.active, r.version, r.modified_at, r.user_id FROM related_users r \
    JOIN users u ON u.tenant_id = r.tenant_id AND u.entity_id = r.user_id";

fn from_row(row: &sqlx::any::AnyRow) -> Result<RelatedUser, sqlx::Error> {
    Ok(RelatedUser {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        username: row.try_get(2)?,
        active: row.try_get::<i64, _>(3)? != 0,
        version: Version(row.try_get(4)?),
        modified_at: from_db_time(&row.try_get::<String, _>(5)?)?,
        user: from_db_uuid(&row.try_get::<String, _>(6)?)?,
    })
}

/// What an update writes: the user the alias is bound to, and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebinding {
    pub user: Uuid,
    pub name: String,
}

/// The tenant's active related user `id`, read with `lock`.
async fn active_by_id<'c>(
    executor: impl Executor<'c, Database = Any>,
    tenant: TenantId,
    id: i64,
    lock: &str,
) -> Result<Option<RelatedUser>, sqlx::Error> {
    sqlx::query(&format!(
        "{SELECT} WHERE r.tenant_id = $1 AND r.id = $2 AND r.active = 1{lock}"
    ))
    .bind(tenant.to_string())
    .bind(id)
    .fetch_optional(executor)
    .await?
    .map(|row| from_row(&row))
    .transpose()
}

impl Store {
    /// Creates the demo's related user `id` in a write of its own (nothing
    /// happens when that id exists).
    pub async fn related_user_seed(
        &self,
        tenant: TenantId,
        id: i64,
        user: Uuid,
        name: &str,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write(tenant).await?;
        tx.related_user_insert(Some(id), user, name).await?;
        tx.commit().await
    }

    /// An active related user.
    pub async fn related_user_get(&self, tenant: TenantId, id: i64) -> Result<Option<RelatedUser>, sqlx::Error> {
        active_by_id(&mut *self.reader().await?, tenant, id, "").await
    }

    /// At most `limit` active related users of the tenant whose id is
    /// greater than `after`, by id: read by the primary key from `after` on,
    /// so a page's cost does not grow with its depth.
    pub async fn related_user_page(
        &self,
        tenant: TenantId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<RelatedUser>, sqlx::Error> {
        sqlx::query(&format!(
            "{SELECT} WHERE r.tenant_id = $1 AND r.id > $2 AND r.active = 1 ORDER BY r.id LIMIT $3"
        ))
        .bind(tenant.to_string())
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.reader().await?)
        .await?
        .iter()
        .map(from_row)
        .collect()
    }
}

impl WriteTx {
    /// Creates a related user with the tenant's next number, or with `id`
    /// (the demo's; nothing happens when that id exists). Its id, and when
    /// it was created.
    pub async fn related_user_insert(
        &mut self,
        id: Option<i64>,
        user: Uuid,
        name: &str,
    ) -> Result<(i64, DateTime<Utc>), sqlx::Error> {
        let tenant = self.tenant();
        // A fixed id is the demo's: seeding it again changes nothing. A new
        // number never conflicts; if it did, that is an error, not a no-op.
        let (id, on_conflict) = match id {
            Some(id) => {
                counter_at_least(self.conn(), tenant, "related_users", id).await?;
                (id, " ON CONFLICT (tenant_id, id) DO NOTHING")
            }
            None => (self.next_number("related_users").await?, ""),
        };
        let at = now();
        let inserted = sqlx::query(&format!(
            "INSERT INTO related_users (tenant_id, id, user_id, name, active, version, created_at, modified_at) \
             VALUES ($1, $2, $3, $4, 1, 1, $5, $5){on_conflict}"
        ))
        .bind(tenant.to_string())
        .bind(id)
        .bind(user.to_string())
        .bind(name)
        .bind(to_db_time(at))
        .execute(self.conn())
        .await?;
        if inserted.rows_affected() > 0 {
            let fields = fields(user, name, true);
            self.record(Change::created(RESOURCE, id, 1, fields));
        }
        Ok((id, at))
    }

    /// Deactivates (soft-deletes) a related user.
    pub async fn related_user_deactivate(&mut self, id: i64) -> Result<Deactivation, sqlx::Error> {
        let tenant = self.tenant().to_string();
        let done: Option<i64> = sqlx::query_scalar(
            "UPDATE related_users SET active = 0, version = version + 1, modified_at = $1 \
             WHERE tenant_id = $2 AND id = $3 AND active = 1 RETURNING version",
        )
        .bind(to_db_time(now()))
        .bind(&tenant)
        .bind(id)
        .fetch_optional(self.conn())
        .await?;
        if let Some(version) = done {
            let active = |active: bool| Fields::from_iter([("active".to_string(), Value::Bool(active))]);
            self.record(Change::updated(RESOURCE, id, version, &active(true), active(false)));
            return Ok(Deactivation::Done);
        }
        let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM related_users WHERE tenant_id = $1 AND id = $2")
            .bind(&tenant)
            .bind(id)
            .fetch_one(self.conn())
            .await?;
        Ok(if exists > 0 {
            Deactivation::AlreadyInactive
        } else {
            Deactivation::NotFound
        })
    }
}

/// The change history's name of related users.
const RESOURCE: &str = "related_users";

/// A related user as the change history shows it.
fn fields(user: Uuid, name: &str, active: bool) -> Fields {
    Fields::from_iter([
        ("userId".to_string(), Value::String(user.to_string())),
        ("name".to_string(), Value::String(name.to_string())),
        ("active".to_string(), Value::Bool(active)),
    ])
}

/// An active related user, as the one write path updates it.
impl Aggregate for RelatedUser {
    type Key = i64;
    type Next = Rebinding;
    const NAME: &'static str = "Related user";
    const RESOURCE: &'static str = RESOURCE;

    fn version(&self) -> Version {
        self.version
    }

    fn id(&self) -> String {
        self.id.to_string()
    }

    fn fields(&self) -> Fields {
        fields(self.user, &self.name, self.active)
    }

    fn next_fields(next: &Rebinding) -> Fields {
        let mut fields = fields(next.user, &next.name, true);
        fields.remove("active");
        fields
    }

    async fn lock(tx: &mut WriteTx, id: &i64) -> Result<Option<Self>, sqlx::Error> {
        let (tenant, lock) = (tx.tenant(), tx.for_update_of("r"));
        active_by_id(tx.conn(), tenant, *id, &lock).await
    }

    async fn save(&self, tx: &mut WriteTx, next: &Rebinding, at: DateTime<Utc>) -> Result<Version, WriteError> {
        let tenant = tx.tenant();
        let version: i64 = sqlx::query_scalar(
            "UPDATE related_users SET user_id = $1, name = $2, version = version + 1, modified_at = $3 \
             WHERE tenant_id = $4 AND id = $5 RETURNING version",
        )
        .bind(next.user.to_string())
        .bind(next.name.clone())
        .bind(to_db_time(at))
        .bind(tenant.to_string())
        .bind(self.id)
        .fetch_one(tx.conn())
        .await?;
        Ok(Version(version))
    }
}
