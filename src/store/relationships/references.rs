//! What a relationship's rules need from the tenant's data, read in one
//! statement on the write's transaction.

use sqlx::{Any, Executor, Row as _};
use uuid::Uuid;

use crate::domain::TenantId;
use crate::domain::relationship::{ExtensionRule, References, RelationshipState};
use crate::store::bind_all;
use crate::store::{WriteTx, from_db_uuid, next_number_on};

/// The `size` and `flag` columns of a reference that is not an extension field.
const NO_RULE: &str = "CAST(NULL AS BIGINT) AS size, CAST(NULL AS BIGINT) AS flag";

impl WriteTx {
    /// Everything the rules need to know about the ids and values `state`
    /// names, in one statement however long its lists are (plus the parent's
    /// lineage when it names one). What it reads cannot change until this
    /// write ends.
    pub async fn relationship_references(&mut self, state: &RelationshipState) -> Result<References, sqlx::Error> {
        let lock = self.for_share();
        let mut values = vec![self.tenant().to_string()];
        let mut param = |value: String| {
            values.push(value);
            format!("${}", values.len())
        };
        let list = |param: &mut dyn FnMut(String) -> String, ids: &[Uuid]| {
            ids.iter()
                .map(|id| param(id.to_string()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // (kind, a SELECT of `item`, `size` and `flag`); every leg reads
        // only the tenant's rows ($1).
        let mut legs: Vec<(&str, String)> = Vec::new();
        let orgs = list(&mut param, &state.organizations);
        legs.push((
            "o",
            format!(
                "SELECT entity_id AS item, {NO_RULE} FROM organizations WHERE tenant_id = $1 AND entity_id IN ({orgs})"
            ),
        ));
        let users = list(&mut param, &[state.internal_manager, state.external_manager]);
        legs.push((
            "u",
            format!("SELECT entity_id AS item, {NO_RULE} FROM users WHERE tenant_id = $1 AND entity_id IN ({users})"),
        ));
        if let Some(supplier) = state.supplier {
            let supplier = param(supplier.to_string());
            legs.push((
                "s",
                format!(
                    "SELECT entity_id AS item, {NO_RULE} FROM suppliers WHERE tenant_id = $1 AND entity_id = {supplier}"
                ),
            ));
            if !state.third_party_locations.is_empty() {
                let addresses = list(&mut param, &state.third_party_locations);
                legs.push((
                    "a",
                    format!(
                        "SELECT entity_id AS item, {NO_RULE} FROM supplier_addresses \
                         WHERE tenant_id = $1 AND supplier_id = {supplier} AND entity_id IN ({addresses})"
                    ),
                ));
            }
        }
        let classification = param(state.classification.clone());
        legs.push((
            "c",
            format!(
                "SELECT value AS item, {NO_RULE} FROM classifications \
                 WHERE tenant_id = $1 AND value = {classification} AND active = 1"
            ),
        ));
        let category = param(state.category.clone());
        legs.push((
            "g",
            format!("SELECT entity_id AS item, {NO_RULE} FROM categories WHERE tenant_id = $1 AND name = {category}"),
        ));
        if let Some(sub) = &state.sub_category {
            let sub = param(sub.clone());
            legs.push((
                "b",
                format!(
                    "SELECT s.entity_id AS item, {NO_RULE} FROM sub_categories s JOIN categories c \
                     ON c.tenant_id = s.tenant_id AND c.entity_id = s.category_id \
                     WHERE s.tenant_id = $1 AND c.name = {category} AND s.name = {sub}"
                ),
            ));
        }
        legs.push((
            "e",
            "SELECT name AS item, max_length AS size, required AS flag FROM extension_fields \
             WHERE tenant_id = $1 AND active = 1"
                .to_string(),
        ));
        // One CTE a kind, so that PostgreSQL can lock what each reads.
        let ctes: Vec<String> = legs
            .iter()
            .map(|(kind, select)| format!("q_{kind} AS ({select}{lock})"))
            .collect();
        let selects: Vec<String> = legs
            .iter()
            .map(|(kind, _)| format!("SELECT '{kind}' AS kind, item, size, flag FROM q_{kind}"))
            .collect();
        let sql = format!("WITH {} {}", ctes.join(", "), selects.join(" UNION ALL "));
        let rows = bind_all(sqlx::query(&sql), &values).fetch_all(self.conn()).await?;
        let mut refs = References::default();
        for row in rows {
            let item: String = row.try_get(1)?;
            match row.try_get::<String, _>(0)?.as_str() {
                "o" => {
                    refs.organizations.insert(from_db_uuid(&item)?);
                }
                "u" => {
                    refs.users.insert(from_db_uuid(&item)?);
                }
                "s" => refs.supplier_exists = true,
                "a" => {
                    refs.supplier_addresses.insert(from_db_uuid(&item)?);
                }
                "c" => refs.classification_active = true,
                "g" => refs.category_exists = true,
                "b" => refs.sub_category_in_category = true,
                _ => {
                    let rule = ExtensionRule {
                        max_length: row.try_get::<Option<i64>, _>(2)?.unwrap_or_default(),
                        required: row.try_get::<Option<i64>, _>(3)?.unwrap_or_default() != 0,
                    };
                    refs.extension_fields.insert(item, rule);
                }
            }
        }
        if let Some(parent) = state.parent_relationship {
            // Two writes that each set a parent could together make a
            // cycle that neither sees; writes that set one take the tenant's
            // "parents" counter row first (a row lock on PostgreSQL), so they
            // run one at a time and each sees the lineage the other wrote.
            let tenant = self.tenant();
            next_number_on(self.conn(), tenant, "relationship_parent_writes").await?;
            refs.parent_lineage = lineage_on(self.conn(), tenant, parent).await?;
            refs.parent_exists = !refs.parent_lineage.is_empty();
        }
        Ok(refs)
    }
}

async fn lineage_on<'c>(
    executor: impl Executor<'c, Database = Any>,
    tenant: TenantId,
    parent: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let rows: Vec<String> = sqlx::query_scalar(
        "WITH RECURSIVE lineage (id) AS ( \
             SELECT entity_id FROM relationships WHERE tenant_id = $1 AND entity_id = $2 \
             UNION \
             SELECT r.parent_id FROM relationships r JOIN lineage l ON r.entity_id = l.id \
             WHERE r.tenant_id = $1 AND r.parent_id IS NOT NULL \
         ) SELECT id FROM lineage",
    )
    .bind(tenant.to_string())
    .bind(parent.to_string())
    .fetch_all(executor)
    .await?;
    rows.iter().map(|s| from_db_uuid(s)).collect()
}
