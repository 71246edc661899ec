//! Organizations, always within one tenant.

use uuid::Uuid;

use crate::domain::organization::{Organization, OrganizationChanges};
use crate::domain::{Page, TenantId, Version};
use crate::store::{Store, WriteError, from_db_time, from_db_uuid, now, to_db_time};

#[derive(sqlx::FromRow)]
struct Row {
    entity_id: String,
    name: String,
    active: i64,
    version: i64,
    created_at: String,
    modified_at: String,
}

impl TryFrom<Row> for Organization {
    type Error = sqlx::Error;

    fn try_from(row: Row) -> Result<Self, Self::Error> {
        Ok(Organization {
            entity_id: from_db_uuid(&row.entity_id)?,
            name: row.name,
            active: row.active != 0,
            version: Version(row.version),
            created_at: from_db_time(&row.created_at)?,
            modified_at: from_db_time(&row.modified_at)?,
        })
    }
}

const COLUMNS: &str = "entity_id, name, active, version, created_at, modified_at";

impl Store {
    pub async fn organization_create(
        &self,
        tenant: TenantId,
        changes: &OrganizationChanges,
    ) -> Result<Organization, sqlx::Error> {
        let at = now();
        let organization = Organization {
            entity_id: Uuid::new_v4(),
            name: changes.name.as_str().to_string(),
            active: changes.active,
            version: Version(1),
            created_at: at,
            modified_at: at,
        };
        sqlx::query(&format!(
            "INSERT INTO organizations (tenant_id, {COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(tenant.to_string())
        .bind(organization.entity_id.to_string())
        .bind(&organization.name)
        .bind(i64::from(organization.active))
        .bind(organization.version.0)
        .bind(to_db_time(at))
        .bind(to_db_time(at))
        .execute(self.pool())
        .await?;
        Ok(organization)
    }

    pub async fn organization_get(&self, tenant: TenantId, id: Uuid) -> Result<Option<Organization>, sqlx::Error> {
        sqlx::query_as::<_, Row>(&format!(
            "SELECT {COLUMNS} FROM organizations WHERE tenant_id = $1 AND entity_id = $2"
        ))
        .bind(tenant.to_string())
        .bind(id.to_string())
        .fetch_optional(self.pool())
        .await?
        .map(Organization::try_from)
        .transpose()
    }

    /// One page in creation order, and the total count.
    pub async fn organization_list(
        &self,
        tenant: TenantId,
        page: Page,
    ) -> Result<(Vec<Organization>, i64), sqlx::Error> {
        let rows = sqlx::query_as::<_, Row>(&format!(
            "SELECT {COLUMNS} FROM organizations WHERE tenant_id = $1 \
             ORDER BY created_at, entity_id LIMIT $2 OFFSET $3"
        ))
        .bind(tenant.to_string())
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_one(self.pool())
            .await?;
        let items = rows.into_iter().map(Organization::try_from).collect::<Result<_, _>>()?;
        Ok((items, total))
    }

    /// Applies `changes` when `precondition` accepts the stored version; the
    /// version check and the write are one statement, so a concurrent
    /// writer cannot slip in between.
    pub async fn organization_update(
        &self,
        tenant: TenantId,
        id: Uuid,
        changes: &OrganizationChanges,
        precondition: impl Fn(Version) -> bool,
    ) -> Result<Organization, WriteError> {
        let current = self.organization_get(tenant, id).await?.ok_or(WriteError::NotFound)?;
        if !precondition(current.version) {
            return Err(WriteError::PreconditionFailed);
        }
        let at = now();
        let updated = sqlx::query(
            "UPDATE organizations SET name = $1, active = $2, version = version + 1, modified_at = $3 \
             WHERE tenant_id = $4 AND entity_id = $5 AND version = $6",
        )
        .bind(changes.name.as_str())
        .bind(i64::from(changes.active))
        .bind(to_db_time(at))
        .bind(tenant.to_string())
        .bind(id.to_string())
        .bind(current.version.0)
        .execute(self.pool())
        .await?;
        if updated.rows_affected() == 0 {
            return Err(WriteError::PreconditionFailed);
        }
        Ok(Organization {
            name: changes.name.as_str().to_string(),
            active: changes.active,
            version: Version(current.version.0 + 1),
            modified_at: at,
            ..current
        })
    }
}
