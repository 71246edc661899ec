//! Risk relationships: the main row plus its organizations, locations and
//! extension values. Every write is one transaction; every read of many
//! rows loads each kind of related data in one query.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row as _};
use uuid::Uuid;

use crate::domain::relationship::{Access, ExtensionRule, References, RelationshipState, Status};
use crate::domain::{Page, TenantId, Version};
use crate::store::{
    Aggregate, Engine, Store, WriteError, WriteTx, from_db_time, from_db_uuid, next_number_on, next_numbers_on, now,
    placeholders, to_db_time,
};

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

/// A relationship as read, with the names of what it refers to.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipView {
    pub record: RelationshipRecord,
    pub names: ReferenceNames,
}

/// Display names of everything a relationship refers to.
#[derive(Debug, Clone, Default, PartialEq)]
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
    pub value: FilterValue,
}

/// What a filter compares with.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    Text(String),
    Instant(DateTime<Utc>),
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

    /// Creates a relationship with the tenant's next number (`R00001`, ...).
    pub async fn relationship_create(
        &mut self,
        id: Uuid,
        state: &RelationshipState,
    ) -> Result<RelationshipRecord, sqlx::Error> {
        let at = now();
        let tenant = self.tenant();
        let n = next_number_on(self.conn(), tenant, "relationships").await?;
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
        query.execute(self.conn()).await?;
        write_lists(self.conn(), tenant, id, state, None).await?;
        Ok(RelationshipRecord {
            entity_id: id,
            number,
            version: Version(1),
            created_at: at,
            modified_at: at,
            state: state.clone(),
        })
    }
}

impl WriteTx {
    /// Inserts `count` generated relationships (see [`generated_id`]), each
    /// `template` named "Generated relationship N", created N minutes after
    /// `epoch`, with a status by N modulo 4; those that exist are left as
    /// they are. Many rows a statement, for data sets of 100,000 rows.
    pub async fn relationships_generate(
        &mut self,
        count: u64,
        template: &RelationshipState,
        epoch: DateTime<Utc>,
    ) -> Result<u64, sqlx::Error> {
        const BATCH: u64 = 400;
        let tenant_id = self.tenant();
        let first_number = next_numbers_on(
            self.conn(),
            tenant_id,
            "relationships",
            i64::try_from(count).unwrap_or(i64::MAX),
        )
        .await?;
        let tenant = tenant_id.to_string();
        let statuses = [Status::Active, Status::Inactive, Status::Draft, Status::Expired];
        let mut inserted = 0;
        let mut first = 1;
        while first <= count {
            let last = (first + BATCH - 1).min(count);
            let n = usize::try_from(last - first + 1).unwrap_or_default();
            let width = 6 + STATE_COLUMNS.len();
            let rows: Vec<String> = (0..n)
                .map(|i| format!("({})", placeholders(1 + i * width, width)))
                .collect();
            let sql = format!(
                "INSERT INTO relationships (tenant_id, entity_id, relationship_number, version, created_at, modified_at, {}) \
                 VALUES {} ON CONFLICT DO NOTHING",
                STATE_COLUMNS.join(", "),
                rows.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for number in first..=last {
                let at = to_db_time(epoch + chrono::Duration::minutes(i64::try_from(number).unwrap_or_default()));
                let state = RelationshipState {
                    name: format!("Generated relationship {number}"),
                    status: statuses[usize::try_from(number % 4).unwrap_or_default()],
                    ..template.clone()
                };
                query = query
                    .bind(tenant.clone())
                    .bind(generated_id(number).to_string())
                    .bind(format!(
                        "R{:05}",
                        first_number + i64::try_from(number - 1).unwrap_or_default()
                    ))
                    .bind(1_i64)
                    .bind(at.clone())
                    .bind(at);
                for value in state_columns(&state) {
                    query = query.bind(value);
                }
            }
            inserted += query.execute(self.conn()).await?.rows_affected();
            for organization in &template.organizations {
                let rows: Vec<String> = (0..n).map(|i| format!("($1, ${}, $2, 0)", i + 3)).collect();
                let sql = format!(
                    "INSERT INTO relationship_organizations (tenant_id, relationship_id, organization_id, position) \
                     VALUES {} ON CONFLICT DO NOTHING",
                    rows.join(", ")
                );
                let mut query = sqlx::query(&sql).bind(tenant.clone()).bind(organization.to_string());
                for number in first..=last {
                    query = query.bind(generated_id(number).to_string());
                }
                query.execute(self.conn()).await?;
            }
            first = last + 1;
        }
        Ok(inserted)
    }
}

/// The entity id of generated relationship `number`: `00000000-0000-4000-8000-`
/// and the number in 12 hexadecimal digits.
pub fn generated_id(number: u64) -> Uuid {
    Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0000 | u128::from(number % 1_000_000_000_000))
}

impl Aggregate for RelationshipRecord {
    type Key = Uuid;
    type Next = RelationshipState;
    const NAME: &'static str = "Relationship";

    fn version(&self) -> Version {
        self.version
    }

    async fn lock(tx: &mut WriteTx, id: &Uuid) -> Result<Option<Self>, sqlx::Error> {
        let condition = "r.tenant_id = $1 AND r.entity_id = $2";
        let sql = view_sql(tx.engine(), Names::Omitted, condition, &tx.for_update_of("r"));
        let tenant = tx.tenant();
        sqlx::query(&sql)
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(tx.conn())
            .await?
            .map(|row| view_from_row(&row).map(|view| view.record))
            .transpose()
    }

    /// Writes the row, and of its lists only those that changed.
    async fn save(&self, tx: &mut WriteTx, next: &RelationshipState, at: DateTime<Utc>) -> Result<Version, WriteError> {
        let assignments: Vec<String> = STATE_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 2))
            .collect();
        let n = STATE_COLUMNS.len();
        let sql = format!(
            "UPDATE relationships SET {}, version = version + 1, modified_at = $1 \
             WHERE tenant_id = ${} AND entity_id = ${} RETURNING version",
            assignments.join(", "),
            n + 2,
            n + 3,
        );
        let tenant = tx.tenant();
        let mut query = sqlx::query(&sql).bind(to_db_time(at));
        for value in state_columns(next) {
            query = query.bind(value);
        }
        let version: i64 = query
            .bind(tenant.to_string())
            .bind(self.entity_id.to_string())
            .fetch_one(tx.conn())
            .await?
            .try_get(0)?;
        write_lists(tx.conn(), tenant, self.entity_id, next, Some(&self.state)).await?;
        Ok(Version(version))
    }
}

impl Store {
    /// Creates a relationship in a write of its own (for the demo tenant).
    pub async fn relationship_create(
        &self,
        tenant: TenantId,
        id: Uuid,
        state: &RelationshipState,
    ) -> Result<RelationshipRecord, sqlx::Error> {
        let mut tx = self.begin_write(tenant).await?;
        let record = tx.relationship_create(id, state).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// One relationship with its lists and the names it refers to, in one statement.
    pub async fn relationship_get(&self, tenant: TenantId, id: Uuid) -> Result<Option<RelationshipView>, sqlx::Error> {
        let sql = view_sql(self.engine(), Names::Included, "tenant_id = $1 AND entity_id = $2", "");
        sqlx::query(&sql)
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .map(|row| view_from_row(&row))
            .transpose()
    }

    /// A page of relationships matching every filter, with their lists and
    /// names, and how many match in all. Two statements, each served by an
    /// index: the count, and the page in index order (so a page of a large
    /// match is read without sorting it).
    pub async fn relationship_list(
        &self,
        tenant: TenantId,
        filters: &[Filter],
        order: Order,
        page: Page,
    ) -> Result<(Vec<RelationshipView>, i64), sqlx::Error> {
        let (where_clause, values) = where_clause(tenant, filters);
        let order_column = if order.by_modified { "modified_at" } else { "created_at" };
        let direction = if order.descending { "DESC" } else { "ASC" };
        let tail = format!(
            " ORDER BY {order_column} {direction}, entity_id {direction} LIMIT ${} OFFSET ${}",
            values.len() + 1,
            values.len() + 2
        );
        let sql = view_sql(self.engine(), Names::Included, &where_clause, &tail);
        let rows = bind_all(sqlx::query(&sql), &values)
            .bind(i64::from(page.limit))
            .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
            .fetch_all(self.pool())
            .await?;
        let count_sql = format!("SELECT COUNT(*) FROM relationships WHERE {where_clause}");
        let total = bind_all(sqlx::query(&count_sql), &values)
            .fetch_one(self.pool())
            .await?
            .try_get(0)?;
        let views = rows.iter().map(view_from_row).collect::<Result<Vec<_>, _>>()?;
        Ok((views, total))
    }
}

/// What a relationship read carries besides the row and its lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Names {
    /// The names of everything it refers to, for an answer.
    Included,
    /// None: the write path needs the state only.
    Omitted,
}

/// A SELECT of relationships (`r`) matching `condition`, each row with its
/// columns, its lists and (see [`Names`]) the names it refers to, as JSON
/// text, then `tail`.
fn view_sql(engine: Engine, names: Names, condition: &str, tail: &str) -> String {
    let of_r = "x.tenant_id = r.tenant_id AND x.relationship_id = r.entity_id";
    let extension_fields = engine.json_rows(&["x.name", "x.value"], "x.name");
    let (organizations, locations, references) = match names {
        Names::Omitted => (
            format!(
                "SELECT {} FROM relationship_organizations x WHERE {of_r}",
                engine.json_rows(&["x.organization_id", "NULL"], "x.position")
            ),
            format!(
                "SELECT {} FROM relationship_locations x WHERE {of_r}",
                engine.json_rows(&["x.address_id", "NULL", "NULL"], "x.position")
            ),
            "NULL AS internal_manager_json, NULL AS external_manager_json, NULL AS supplier_name, NULL AS parent_name"
                .to_string(),
        ),
        Names::Included => {
            let user = engine.json_array(&["u.first_name", "u.last_name"]);
            (
                format!(
                    "SELECT {} FROM relationship_organizations x LEFT JOIN organizations o \
                     ON o.tenant_id = x.tenant_id AND o.entity_id = x.organization_id WHERE {of_r}",
                    engine.json_rows(&["x.organization_id", "o.name"], "x.position")
                ),
                format!(
                    "SELECT {} FROM relationship_locations x LEFT JOIN supplier_addresses a \
                     ON a.tenant_id = x.tenant_id AND a.entity_id = x.address_id WHERE {of_r}",
                    engine.json_rows(
                        &["x.address_id", "a.line1 || ', ' || a.city", "a.supplier_id"],
                        "x.position"
                    )
                ),
                format!(
                    "(SELECT {user} FROM users u WHERE u.tenant_id = r.tenant_id AND u.entity_id = r.internal_manager_id) \
                        AS internal_manager_json, \
                     (SELECT {user} FROM users u WHERE u.tenant_id = r.tenant_id AND u.entity_id = r.external_manager_id) \
                        AS external_manager_json, \
                     (SELECT s.name FROM suppliers s WHERE s.tenant_id = r.tenant_id AND s.entity_id = r.supplier_id) \
                        AS supplier_name, \
                     (SELECT p.name FROM relationships p WHERE p.tenant_id = r.tenant_id AND p.entity_id = r.parent_id) \
                        AS parent_name"
                ),
            )
        }
    };
    format!(
        "SELECT {COLUMNS}, ({organizations}) AS organizations_json, ({locations}) AS locations_json, \
         (SELECT {extension_fields} FROM relationship_extension_values x WHERE {of_r}) AS extension_fields_json, \
         {references} FROM relationships r WHERE {condition}{tail}"
    )
}

/// A row of [`view_sql`].
fn view_from_row(row: &AnyRow) -> Result<RelationshipView, sqlx::Error> {
    fn parse<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> Result<Option<T>, sqlx::Error> {
        row.try_get::<Option<String>, _>(column)?
            .map(|text| serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(e.into())))
            .transpose()
    }
    let mut record = record_from_row(row)?;
    let mut names = ReferenceNames::default();
    let state = &mut record.state;
    let organizations: Vec<(String, Option<String>)> = parse(row, "organizations_json")?.unwrap_or_default();
    for (id, name) in organizations {
        let id = from_db_uuid(&id)?;
        state.organizations.push(id);
        names.organizations.extend(name.map(|n| (id, n)));
    }
    let locations: Vec<(String, Option<String>, Option<String>)> = parse(row, "locations_json")?.unwrap_or_default();
    for (id, label, supplier) in locations {
        let id = from_db_uuid(&id)?;
        state.third_party_locations.push(id);
        if let (Some(label), Some(supplier)) = (label, supplier) {
            names.addresses.insert(id, (from_db_uuid(&supplier)?, label));
        }
    }
    let extension_fields: Vec<(String, String)> = parse(row, "extension_fields_json")?.unwrap_or_default();
    state.extension_fields = extension_fields.into_iter().collect();
    for (column, id) in [
        ("internal_manager_json", state.internal_manager),
        ("external_manager_json", state.external_manager),
    ] {
        names
            .users
            .extend(parse::<(String, String)>(row, column)?.map(|n| (id, n)));
    }
    if let (Some(id), Some(name)) = (state.supplier, row.try_get::<Option<String>, _>("supplier_name")?) {
        names.suppliers.insert(id, name);
    }
    if let (Some(id), Some(name)) = (
        state.parent_relationship,
        row.try_get::<Option<String>, _>("parent_name")?,
    ) {
        names.relationships.insert(id, name);
    }
    Ok(RelationshipView { record, names })
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
        let value = match &f.value {
            FilterValue::Text(text) => text.clone(),
            FilterValue::Instant(at) => to_db_time(*at),
        };
        let (condition, value) = match f.op {
            FilterOp::Eq => (format!("{column} = ${p}"), value),
            FilterOp::Lt => (format!("{column} < ${p}"), value),
            FilterOp::Gt => (format!("{column} > ${p}"), value),
            FilterOp::Contains => (
                format!("LOWER({column}) LIKE ${p} ESCAPE '\\'"),
                format!("%{}%", escape_like(&value.to_lowercase())),
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

/// Writes the lists of `state` that differ from `before` (every non-empty one when there is none).
async fn write_lists(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: Uuid,
    state: &RelationshipState,
    before: Option<&RelationshipState>,
) -> Result<(), sqlx::Error> {
    let rows_of = |count: usize| -> Vec<String> {
        (0..count)
            .map(|i| format!("($1, $2, ${}, ${})", 3 + 2 * i, 4 + 2 * i))
            .collect()
    };
    for (table, column, items, old) in [
        (
            "relationship_organizations",
            "organization_id",
            &state.organizations,
            before.map(|b| &b.organizations),
        ),
        (
            "relationship_locations",
            "address_id",
            &state.third_party_locations,
            before.map(|b| &b.third_party_locations),
        ),
    ] {
        if old == Some(items) {
            continue;
        }
        if old.is_some() {
            clear(conn, table, tenant, id).await?;
        }
        if items.is_empty() {
            continue;
        }
        let sql = format!(
            "INSERT INTO {table} (tenant_id, relationship_id, {column}, position) VALUES {}",
            rows_of(items.len()).join(", ")
        );
        let mut query = sqlx::query(&sql).bind(tenant.to_string()).bind(id.to_string());
        for (position, item) in items.iter().enumerate() {
            query = query.bind(item.to_string()).bind(position as i64);
        }
        query.execute(&mut *conn).await?;
    }
    let old = before.map(|b| &b.extension_fields);
    if old == Some(&state.extension_fields) {
        return Ok(());
    }
    if old.is_some() {
        clear(conn, "relationship_extension_values", tenant, id).await?;
    }
    if !state.extension_fields.is_empty() {
        let sql = format!(
            "INSERT INTO relationship_extension_values (tenant_id, relationship_id, name, value) VALUES {}",
            rows_of(state.extension_fields.len()).join(", ")
        );
        let mut query = sqlx::query(&sql).bind(tenant.to_string()).bind(id.to_string());
        for (name, value) in &state.extension_fields {
            query = query.bind(name.clone()).bind(value.clone());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Deletes a relationship's rows of one list table.
async fn clear(conn: &mut AnyConnection, table: &str, tenant: TenantId, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "DELETE FROM {table} WHERE tenant_id = $1 AND relationship_id = $2"
    ))
    .bind(tenant.to_string())
    .bind(id.to_string())
    .execute(conn)
    .await
    .map(|_| ())
}
