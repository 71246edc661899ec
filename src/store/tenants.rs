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
            .execute(self.pool())
            .await?;
        // Another instance may have won the race; read whichever row stands.
        self.tenant_by_name(name).await?.ok_or_else(|| sqlx::Error::RowNotFound)
    }

    pub async fn tenant_by_name(&self, name: &str) -> Result<Option<TenantId>, sqlx::Error> {
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM tenants WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        id.map(|id| super::from_db_uuid(&id).map(TenantId)).transpose()
    }
}
