//! Tenants: the owners of every other row.

use uuid::Uuid;

use crate::domain::TenantId;
use crate::store::{Store, now, to_db_time};

impl Store {
    /// The tenant named `name`, created when missing.
    pub async fn ensure_tenant(&self, name: &str) -> Result<TenantId, sqlx::Error> {
        if let Some(id) = self.tenant_by_name(name).await? {
            return Ok(id);
        }
        let id = Uuid::new_v4();
        sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
            .bind(id.to_string())
            .bind(name)
            .bind(to_db_time(now()))
            .execute(&mut *self.reader().await?)
            .await?;
        // Another instance may have won the race; read whichever row stands.
        self.tenant_by_name(name).await?.ok_or_else(|| sqlx::Error::RowNotFound)
    }

    pub async fn tenant_by_name(&self, name: &str) -> Result<Option<TenantId>, sqlx::Error> {
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM tenants WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *self.reader().await?)
            .await?;
        id.map(|id| super::from_db_uuid(&id).map(TenantId)).transpose()
    }
}

/// A tenant as `liaison tenants list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantInfo {
    pub id: TenantId,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl Store {
    /// Creates the tenant `name`; `None` when a tenant of that name exists
    /// (it is left as it is).
    pub async fn tenant_create(&self, name: &str) -> Result<Option<TenantId>, sqlx::Error> {
        let id = Uuid::new_v4();
        let inserted =
            sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
                .bind(id.to_string())
                .bind(name)
                .bind(to_db_time(now()))
                .execute(&mut *self.reader().await?)
                .await?
                .rows_affected();
        Ok((inserted == 1).then_some(TenantId(id)))
    }

    /// The tenant named `name`, with its creation time.
    pub async fn tenant_info(&self, name: &str) -> Result<Option<TenantInfo>, sqlx::Error> {
        let row: Option<(String, String, String)> =
            sqlx::query_as("SELECT id, name, created_at FROM tenants WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut *self.reader().await?)
                .await?;
        row.map(tenant_info).transpose()
    }

    /// Every tenant, by name.
    pub async fn tenant_list(&self) -> Result<Vec<TenantInfo>, sqlx::Error> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT id, name, created_at FROM tenants ORDER BY name")
                .fetch_all(&mut *self.reader().await?)
                .await?;
        rows.into_iter().map(tenant_info).collect()
    }
}

fn tenant_info((id, name, created_at): (String, String, String)) -> Result<TenantInfo, sqlx::Error> {
    Ok(TenantInfo {
        id: TenantId(super::from_db_uuid(&id)?),
        name,
        created_at: super::from_db_time(&created_at)?,
    })
}
