//! Risk relationships: the main row plus its organizations, locations and
//! extension values. Every write is one transaction; every read of many
//! rows loads each kind of related data in one query.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::{Query, QueryScalar};
use sqlx::{Any, AnyConnection, Row as _};
use uuid::Uuid;

use crate::domain::relationship::{Access, ExtensionRule, References, RelationshipState, Status};
use crate::domain::{Page, TenantId, Version};
use crate::store::{Store, WriteError, from_db_time, from_db_uuid, next_number_on, now, placeholders, to_db_time};

/// A stored relationship.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipRecord {
    pub entity_id: Uuid,
    pub number: String,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
    pub state: RelationshipState,
}

/// Display names of everything a page of relationships refers to.
#[derive(Debug, Clone, Default)]
pub struct ReferenceNames {
    pub organizations: HashMap<Uuid, String>,
    /// (first name, last name)
    pub users: HashMap<Uuid, (String, String)>,
    pub suppliers: HashMap<Uuid, String>,
    /// (supplier id, "line1, city")
    pub addresses: HashMap<Uuid, (Uuid, String)>,
    pub relationships: HashMap<Uuid, String>,
}

/// A list filter on one column.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub field: FilterField,
    pub op: FilterOp,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    EntityId,
    Name,
    Status,
    RelationshipNumber,
    Classification,
    Category,
    CreatedAt,
    ModifiedAt,
    StartEffectiveDate,
}

impl FilterField {
    fn column(self) -> &'static str {
        match self {
            Self::EntityId => "entity_id",
            Self::Name => "name",
            Self::Status => "status",
            Self::RelationshipNumber => "relationship_number",
            Self::Classification => "classification",
            Self::Category => "category",
            Self::CreatedAt => "created_at",
            Self::ModifiedAt => "modified_at",
            Self::StartEffectiveDate => "start_effective_date",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Eq,
    Contains,
    Lt,
    Gt,
}

/// How a list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub by_modified: bool,
    pub descending: bool,
}

const COLUMNS: &str = "entity_id, relationship_number, name, start_effective_date, supplier_id, classification, \
    category, sub_category, parent_id, internal_manager_id, external_manager_id, internal_access, external_access, \
    status, version, created_at, modified_at";

fn bind_all<'q>(mut query: Query<'q, Any, AnyArguments<'q>>, values: &[String]) -> Query<'q, Any, AnyArguments<'q>> {
    for v in values {
        query = query.bind(v.clone());
    }
    query
}

fn opt_uuid(row: &AnyRow, column: &str) -> Result<Option<Uuid>, sqlx::Error> {
    row.try_get::<Option<String>, _>(column)?
        .map(|s| from_db_uuid(&s))
        .transpose()
}

fn decode_enum<T: std::str::FromStr>(text: &str) -> Result<T, sqlx::Error> {
    text.parse::<T>()
        .map_err(|_| sqlx::Error::Decode(format!("unexpected stored value {text:?}").into()))
}

fn record_from_row(row: &AnyRow) -> Result<RelationshipRecord, sqlx::Error> {
    Ok(RelationshipRecord {
        entity_id: from_db_uuid(&row.try_get::<String, _>("entity_id")?)?,
        number: row.try_get("relationship_number")?,
        version: Version(row.try_get("version")?),
        created_at: from_db_time(&row.try_get::<String, _>("created_at")?)?,
        modified_at: from_db_time(&row.try_get::<String, _>("modified_at")?)?,
        state: RelationshipState {
            name: row.try_get("name")?,
            start_effective_date: from_db_time(&row.try_get::<String, _>("start_effective_date")?)?,
            organizations: Vec::new(),
            internal_manager: from_db_uuid(&row.try_get::<String, _>("internal_manager_id")?)?,
            external_manager: from_db_uuid(&row.try_get::<String, _>("external_manager_id")?)?,
            supplier: opt_uuid(row, "supplier_id")?,
            classification: row.try_get("classification")?,
            category: row.try_get("category")?,
            sub_category: row.try_get("sub_category")?,
            parent_relationship: opt_uuid(row, "parent_id")?,
            internal_access: decode_enum::<Access>(&row.try_get::<String, _>("internal_access")?)?,
            external_access: decode_enum::<Access>(&row.try_get::<String, _>("external_access")?)?,
            status: decode_enum::<Status>(&row.try_get::<String, _>("status")?)?,
            third_party_locations: Vec::new(),
            extension_fields: BTreeMap::new(),
        },
    })
}

/// The state's own columns, in the order of the INSERT and UPDATE statements.
fn state_columns(state: &RelationshipState) -> Vec<Option<String>> {
    vec![
        Some(state.name.clone()),
        Some(to_db_time(state.start_effective_date)),
        state.supplier.map(|s| s.to_string()),
        Some(state.classification.clone()),
        Some(state.category.clone()),
        state.sub_category.clone(),
        state.parent_relationship.map(|p| p.to_string()),
        Some(state.internal_manager.to_string()),
        Some(state.external_manager.to_string()),
        Some(state.internal_access.as_str().to_string()),
        Some(state.external_access.as_str().to_string()),
        Some(state.status.as_str().to_string()),
    ]
}

const STATE_COLUMNS: [&str; 12] = [
    "name",
    "start_effective_date",
    "supplier_id",
    "classification",
    "category",
    "sub_category",
    "parent_id",
    "internal_manager_id",
    "external_manager_id",
    "internal_access",
    "external_access",
    "status",
];

impl Store {
    /// Everything the rules need to know about the ids and values `state`
    /// names, in a fixed number of queries however long its lists are.
    pub async fn relationship_references(
        &self,
        tenant: TenantId,
        state: &RelationshipState,
    ) -> Result<References, sqlx::Error> {
        let t = tenant.to_string();
        let pool = self.pool();
        let org_ids: Vec<String> = state.organizations.iter().map(Uuid::to_string).collect();
        let organizations = ids_in(pool, "organizations", &t, &org_ids, None).await?;
        let user_ids = vec![state.internal_manager.to_string(), state.external_manager.to_string()];
        let users = ids_in(pool, "users", &t, &user_ids, None).await?;
        let supplier_exists = match state.supplier {
            Some(s) => !ids_in(pool, "suppliers", &t, &[s.to_string()], None).await?.is_empty(),
            None => false,
        };
        let classification_active = exists(
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM classifications WHERE tenant_id = $1 AND value = $2 AND active = 1",
            )
            .bind(t.clone())
            .bind(state.classification.clone()),
            pool,
        )
        .await?;
        let category_exists = exists(
            sqlx::query_scalar("SELECT COUNT(*) FROM categories WHERE tenant_id = $1 AND name = $2")
                .bind(t.clone())
                .bind(state.category.clone()),
            pool,
        )
        .await?;
        let sub_category_in_category = match &state.sub_category {
            Some(sub) => {
                exists(
                    sqlx::query_scalar(
                        "SELECT COUNT(*) FROM sub_categories s JOIN categories c \
                         ON c.tenant_id = s.tenant_id AND c.entity_id = s.category_id \
                         WHERE s.tenant_id = $1 AND c.name = $2 AND s.name = $3",
                    )
                    .bind(t.clone())
                    .bind(state.category.clone())
                    .bind(sub.clone()),
                    pool,
                )
                .await?
            }
            None => false,
        };
        let (parent_exists, parent_lineage) = match state.parent_relationship {
            Some(parent) => self.relationship_lineage(tenant, parent).await?,
            None => (false, Vec::new()),
        };
        let supplier_addresses = match state.supplier {
            Some(s) if !state.third_party_locations.is_empty() => {
                let ids: Vec<String> = state.third_party_locations.iter().map(Uuid::to_string).collect();
                ids_in(
                    pool,
                    "supplier_addresses",
                    &t,
                    &ids,
                    Some(("supplier_id", s.to_string())),
                )
                .await?
            }
            _ => HashSet::new(),
        };
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT name, max_length, required FROM extension_fields WHERE tenant_id = $1 AND active = 1",
        )
        .bind(t.clone())
        .fetch_all(pool)
        .await?;
        let extension_fields = rows
            .into_iter()
            .map(|(name, max_length, required)| {
                (
                    name,
                    ExtensionRule {
                        max_length,
                        required: required != 0,
                    },
                )
            })
            .collect();
        Ok(References {
            organizations,
            users,
            supplier_exists,
            classification_active,
            category_exists,
            sub_category_in_category,
            parent_exists,
            parent_lineage,
            supplier_addresses,
            extension_fields,
        })
    }

    /// Whether `parent` exists, and its ancestors (itself first), in one recursive query.
    async fn relationship_lineage(&self, tenant: TenantId, parent: Uuid) -> Result<(bool, Vec<Uuid>), sqlx::Error> {
        let mut conn = self.pool().acquire().await?;
        let lineage = lineage_on(&mut conn, tenant, parent).await?;
        Ok((!lineage.is_empty(), lineage))
    }

    /// Creates a relationship with the tenant's next number (`R00001`, ...).
    pub async fn relationship_create(
        &self,
        tenant: TenantId,
        id: Uuid,
        state: &RelationshipState,
    ) -> Result<RelationshipRecord, sqlx::Error> {
        let at = now();
        let mut tx = self.pool().begin().await?;
        let n = next_number_on(&mut tx, tenant, "relationships").await?;
        let number = format!("R{n:05}");
        let sql = format!(
            "INSERT INTO relationships (tenant_id, entity_id, relationship_number, version, created_at, modified_at, {}) \
             VALUES ({})",
            STATE_COLUMNS.join(", "),
            placeholders(1, 6 + STATE_COLUMNS.len())
        );
        let mut query = sqlx::query(&sql)
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(number.clone())
            .bind(1_i64)
            .bind(to_db_time(at))
            .bind(to_db_time(at));
        for value in state_columns(state) {
            query = query.bind(value);
        }
        query.execute(&mut *tx).await?;
        insert_children(&mut tx, tenant, id, state).await?;
        tx.commit().await?;
        Ok(RelationshipRecord {
            entity_id: id,
            number,
            version: Version(1),
            created_at: at,
            modified_at: at,
            state: state.clone(),
        })
    }

    /// Replaces a relationship's state if it is still at `expected`.
    pub async fn relationship_update(
        &self,
        tenant: TenantId,
        id: Uuid,
        expected: Version,
        state: &RelationshipState,
    ) -> Result<Version, WriteError> {
        let at = now();
        let mut tx = self.pool().begin().await?;
        if let Some(parent) = state.parent_relationship {
            // The cycle check made before this transaction cannot see a
            // concurrent write that re-parents another relationship. Writes
            // that set a parent take the tenant's "parents" counter row first
            // (a row lock on PostgreSQL, the write lock on SQLite), so they
            // run one at a time, and check again here, seeing each other.
            next_number_on(&mut tx, tenant, "relationship_parent_writes").await?;
            if lineage_on(&mut tx, tenant, parent).await?.contains(&id) {
                return Err(WriteError::Conflict(
                    "parentRelationship would make a cycle of parent relationships".into(),
                ));
            }
        }
        let assignments: Vec<String> = STATE_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 2))
            .collect();
        let n = STATE_COLUMNS.len();
        let sql = format!(
            "UPDATE relationships SET {}, version = version + 1, modified_at = $1 \
             WHERE tenant_id = ${} AND entity_id = ${} AND version = ${}",
            assignments.join(", "),
            n + 2,
            n + 3,
            n + 4
        );
        let mut query = sqlx::query(&sql).bind(to_db_time(at));
        for value in state_columns(state) {
            query = query.bind(value);
        }
        let updated = query
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(expected.0)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(WriteError::PreconditionFailed);
        }
        for table in [
            "relationship_organizations",
            "relationship_locations",
            "relationship_extension_values",
        ] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE tenant_id = $1 AND relationship_id = $2"
            ))
            .bind(tenant.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        insert_children(&mut tx, tenant, id, state).await?;
        tx.commit().await?;
        Ok(Version(expected.0 + 1))
    }

    /// One relationship with its lists.
    pub async fn relationship_get(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Option<RelationshipRecord>, sqlx::Error> {
        let sql = format!("SELECT {COLUMNS} FROM relationships WHERE tenant_id = $1 AND entity_id = $2");
        let Some(row) = sqlx::query(&sql)
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let mut records = vec![record_from_row(&row)?];
        self.load_lists(tenant, &mut records).await?;
        Ok(records.pop())
    }

    /// A page of relationships matching every filter, with their lists, and the total count.
    pub async fn relationship_list(
        &self,
        tenant: TenantId,
        filters: &[Filter],
        order: Order,
        page: Page,
    ) -> Result<(Vec<RelationshipRecord>, i64), sqlx::Error> {
        let (where_clause, values) = where_clause(tenant, filters);
        let order_column = if order.by_modified { "modified_at" } else { "created_at" };
        let direction = if order.descending { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT {COLUMNS} FROM relationships WHERE {where_clause} \
             ORDER BY {order_column} {direction}, entity_id {direction} LIMIT ${} OFFSET ${}",
            values.len() + 1,
            values.len() + 2
        );
        let rows = bind_all(sqlx::query(&sql), &values)
            .bind(i64::from(page.limit))
            .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
            .fetch_all(self.pool())
            .await?;
        let count_sql = format!("SELECT COUNT(*) FROM relationships WHERE {where_clause}");
        let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
        for v in &values {
            count = count.bind(v.clone());
        }
        let total = count.fetch_one(self.pool()).await?;
        let mut records = rows.iter().map(record_from_row).collect::<Result<Vec<_>, _>>()?;
        self.load_lists(tenant, &mut records).await?;
        Ok((records, total))
    }

    /// Fills in organizations, locations and extension values, all in one query.
    async fn load_lists(&self, tenant: TenantId, records: &mut [RelationshipRecord]) -> Result<(), sqlx::Error> {
        if records.is_empty() {
            return Ok(());
        }
        let index: HashMap<Uuid, usize> = records.iter().enumerate().map(|(i, r)| (r.entity_id, i)).collect();
        let ids: Vec<String> = records.iter().map(|r| r.entity_id.to_string()).collect();
        let list = placeholders(2, ids.len());
        let sql = format!(
            "SELECT relationship_id, 'o' AS kind, organization_id AS item, NULL AS value, position \
               FROM relationship_organizations WHERE tenant_id = $1 AND relationship_id IN ({list}) \
             UNION ALL \
             SELECT relationship_id, 'l', address_id, NULL, position \
               FROM relationship_locations WHERE tenant_id = $1 AND relationship_id IN ({list}) \
             UNION ALL \
             SELECT relationship_id, 'e', name, value, 0 \
               FROM relationship_extension_values WHERE tenant_id = $1 AND relationship_id IN ({list}) \
             ORDER BY 1, 2, 5"
        );
        let mut values = vec![tenant.to_string()];
        values.extend(ids);
        for row in bind_all(sqlx::query(&sql), &values).fetch_all(self.pool()).await? {
            let relationship = from_db_uuid(&row.try_get::<String, _>(0)?)?;
            let Some(&i) = index.get(&relationship) else {
                continue;
            };
            let state = &mut records[i].state;
            let item: String = row.try_get(2)?;
            match row.try_get::<String, _>(1)?.as_str() {
                "o" => state.organizations.push(from_db_uuid(&item)?),
                "l" => state.third_party_locations.push(from_db_uuid(&item)?),
                _ => {
                    state.extension_fields.insert(item, row.try_get(3)?);
                }
            }
        }
        Ok(())
    }

    /// The names of everything `records` refer to, in one query.
    pub async fn relationship_names(
        &self,
        tenant: TenantId,
        records: &[RelationshipRecord],
    ) -> Result<ReferenceNames, sqlx::Error> {
        let ids = |f: &dyn Fn(&RelationshipState) -> Vec<Uuid>| -> Vec<String> {
            let set: HashSet<Uuid> = records.iter().flat_map(|r| f(&r.state)).collect();
            set.into_iter().map(|u| u.to_string()).collect()
        };
        // (kind, the SELECT list after `kind`, table, ids): every part selects
        // kind, entity_id, a name and an extra column.
        let parts = [
            (
                "o",
                "entity_id, name, NULL",
                "organizations",
                ids(&|s| s.organizations.clone()),
            ),
            (
                "u",
                "entity_id, first_name, last_name",
                "users",
                ids(&|s| vec![s.internal_manager, s.external_manager]),
            ),
            (
                "s",
                "entity_id, name, NULL",
                "suppliers",
                ids(&|s| s.supplier.into_iter().collect()),
            ),
            (
                "r",
                "entity_id, name, NULL",
                "relationships",
                ids(&|s| s.parent_relationship.into_iter().collect()),
            ),
            (
                "a",
                "entity_id, line1 || ', ' || city, supplier_id",
                "supplier_addresses",
                ids(&|s| s.third_party_locations.clone()),
            ),
        ];
        let mut selects = Vec::new();
        let mut values = vec![tenant.to_string()];
        for (kind, columns, table, ids) in parts {
            if ids.is_empty() {
                continue;
            }
            selects.push(format!(
                "SELECT '{kind}' AS kind, {columns} FROM {table} WHERE tenant_id = $1 AND entity_id IN ({})",
                placeholders(values.len() + 1, ids.len())
            ));
            values.extend(ids);
        }
        let mut names = ReferenceNames::default();
        if selects.is_empty() {
            return Ok(names);
        }
        let sql = selects.join(" UNION ALL ");
        for row in bind_all(sqlx::query(&sql), &values).fetch_all(self.pool()).await? {
            let id = from_db_uuid(&row.try_get::<String, _>(1)?)?;
            let name: String = row.try_get(2)?;
            let extra: Option<String> = row.try_get(3)?;
            match row.try_get::<String, _>(0)?.as_str() {
                "o" => {
                    names.organizations.insert(id, name);
                }
                "u" => {
                    names.users.insert(id, (name, extra.unwrap_or_default()));
                }
                "s" => {
                    names.suppliers.insert(id, name);
                }
                "r" => {
                    names.relationships.insert(id, name);
                }
                _ => {
                    let supplier = from_db_uuid(&extra.unwrap_or_default())?;
                    names.addresses.insert(id, (supplier, name));
                }
            }
        }
        Ok(names)
    }
}

/// Which of `ids` exist in `table` for the tenant (and, optionally, with `column = value`).
async fn ids_in(
    pool: &sqlx::AnyPool,
    table: &str,
    tenant: &str,
    ids: &[String],
    also: Option<(&str, String)>,
) -> Result<HashSet<Uuid>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let mut values = vec![tenant.to_string()];
    let extra = match &also {
        Some((column, value)) => {
            values.push(value.clone());
            format!(" AND {column} = $2")
        }
        None => String::new(),
    };
    let first = values.len() + 1;
    values.extend(ids.iter().cloned());
    let sql = format!(
        "SELECT entity_id FROM {table} WHERE tenant_id = $1{extra} AND entity_id IN ({})",
        placeholders(first, ids.len())
    );
    let mut query = sqlx::query_scalar::<_, String>(&sql);
    for v in &values {
        query = query.bind(v.clone());
    }
    query.fetch_all(pool).await?.iter().map(|s| from_db_uuid(s)).collect()
}

async fn exists<'q>(
    query: QueryScalar<'q, Any, i64, AnyArguments<'q>>,
    pool: &'q sqlx::AnyPool,
) -> Result<bool, sqlx::Error> {
    Ok(query.fetch_one(pool).await? > 0)
}

/// `parent` and its ancestors, the parent first (empty when it does not exist).
async fn lineage_on(conn: &mut AnyConnection, tenant: TenantId, parent: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
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
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|s| from_db_uuid(s)).collect()
}

/// The WHERE clause of a tenant's filtered list, and the values it binds in order.
fn where_clause(tenant: TenantId, filters: &[Filter]) -> (String, Vec<String>) {
    let mut conditions = vec!["tenant_id = $1".to_string()];
    let mut values = vec![tenant.to_string()];
    for f in filters {
        let p = values.len() + 1;
        let column = f.field.column();
        let (condition, value) = match f.op {
            FilterOp::Eq => (format!("{column} = ${p}"), f.value.clone()),
            FilterOp::Lt => (format!("{column} < ${p}"), f.value.clone()),
            FilterOp::Gt => (format!("{column} > ${p}"), f.value.clone()),
            FilterOp::Contains => (
                format!("LOWER({column}) LIKE ${p} ESCAPE '\\'"),
                format!("%{}%", escape_like(&f.value.to_lowercase())),
            ),
        };
        conditions.push(condition);
        values.push(value);
    }
    (conditions.join(" AND "), values)
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

async fn insert_children(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: Uuid,
    state: &RelationshipState,
) -> Result<(), sqlx::Error> {
    for (table, column, items) in [
        ("relationship_organizations", "organization_id", &state.organizations),
        ("relationship_locations", "address_id", &state.third_party_locations),
    ] {
        if items.is_empty() {
            continue;
        }
        let rows: Vec<String> = (0..items.len())
            .map(|i| format!("($1, $2, ${}, ${})", 3 + 2 * i, 4 + 2 * i))
            .collect();
        let sql = format!(
            "INSERT INTO {table} (tenant_id, relationship_id, {column}, position) VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(tenant.to_string()).bind(id.to_string());
        for (position, item) in items.iter().enumerate() {
            query = query.bind(item.to_string()).bind(position as i64);
        }
        query.execute(&mut *conn).await?;
    }
    if !state.extension_fields.is_empty() {
        let rows: Vec<String> = (0..state.extension_fields.len())
            .map(|i| format!("($1, $2, ${}, ${})", 3 + 2 * i, 4 + 2 * i))
            .collect();
        let sql = format!(
            "INSERT INTO relationship_extension_values (tenant_id, relationship_id, name, value) VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(tenant.to_string()).bind(id.to_string());
        for (name, value) in &state.extension_fields {
            query = query.bind(name.clone()).bind(value.clone());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
