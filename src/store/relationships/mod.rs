//! Risk relationships: the main row plus its organizations, locations and
//! extension values. Every write is one transaction; every read of many
//! rows loads each kind of related data in one query.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{Executor as _, Row as _};
use uuid::Uuid;

use crate::domain::relationship::{RelationshipState, Status};
use crate::domain::{TenantId, Version};
use crate::store::changes::{Change, Fields, camel};
use crate::store::{
    Aggregate, Engine, Store, WriteError, WriteTx, from_db_time, from_db_uuid, next_number_on, next_numbers_on, now,
    placeholders, to_db_time,
};

mod filter;
mod read;
mod references;

pub use filter::{Filter, FilterField, FilterOp, FilterValue, Order};
use read::{Names, one_view_sql, view_from_row};
pub use read::{ReferenceNames, RelationshipView};

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

/// The relationship columns every read selects besides [`STATE`].
pub(super) const RECORD_COLUMNS: [&str; 5] = [
    "entity_id",
    "relationship_number",
    "version",
    "created_at",
    "modified_at",
];

/// A column of the relationship row: its name, how a state writes it, and
/// how its stored text (`None` for `NULL`) is read back into one.
type Column = (
    &'static str,
    fn(&RelationshipState) -> Option<String>,
    fn(&mut RelationshipState, Option<&str>) -> Result<(), sqlx::Error>,
);

/// The state's own columns: the INSERT, the UPDATE and every read (see
/// `view_sql`) take their names, values and readers from this one list.
#[rustfmt::skip] // a table: one column a line
pub(super) const STATE: [Column; 12] = [
    ("name", |s| Some(s.name.clone()), |s, v| set(&mut s.name, owned(v))),
    ("start_effective_date", |s| Some(to_db_time(s.start_effective_date)), |s, v| set(&mut s.start_effective_date, time(v))),
    ("supplier_id", |s| s.supplier.map(|id| id.to_string()), |s, v| set(&mut s.supplier, opt_id(v))),
    ("classification", |s| Some(s.classification.clone()), |s, v| set(&mut s.classification, owned(v))),
    ("category", |s| Some(s.category.clone()), |s, v| set(&mut s.category, owned(v))),
    ("sub_category", |s| s.sub_category.clone(), |s, v| set(&mut s.sub_category, Ok(v.map(str::to_string)))),
    ("parent_id", |s| s.parent_relationship.map(|id| id.to_string()), |s, v| set(&mut s.parent_relationship, opt_id(v))),
    ("internal_manager_id", |s| Some(s.internal_manager.to_string()), |s, v| set(&mut s.internal_manager, id(v))),
    ("external_manager_id", |s| Some(s.external_manager.to_string()), |s, v| set(&mut s.external_manager, id(v))),
    ("internal_access", |s| Some(s.internal_access.as_str().into()), |s, v| set(&mut s.internal_access, stored(v))),
    ("external_access", |s| Some(s.external_access.as_str().into()), |s, v| set(&mut s.external_access, stored(v))),
    ("status", |s| Some(s.status.as_str().into()), |s, v| set(&mut s.status, stored(v))),
];

fn set<T>(slot: &mut T, value: Result<T, sqlx::Error>) -> Result<(), sqlx::Error> {
    *slot = value?;
    Ok(())
}

/// A stored text that may not be `NULL`.
fn text(value: Option<&str>) -> Result<&str, sqlx::Error> {
    value.ok_or_else(|| sqlx::Error::Decode("unexpected NULL".into()))
}

fn owned(value: Option<&str>) -> Result<String, sqlx::Error> {
    text(value).map(str::to_string)
}

fn time(value: Option<&str>) -> Result<DateTime<Utc>, sqlx::Error> {
    text(value).and_then(from_db_time)
}

fn id(value: Option<&str>) -> Result<Uuid, sqlx::Error> {
    text(value).and_then(from_db_uuid)
}

fn opt_id(value: Option<&str>) -> Result<Option<Uuid>, sqlx::Error> {
    value.map(from_db_uuid).transpose()
}

/// A stored enumeration value.
fn stored<T: std::str::FromStr>(value: Option<&str>) -> Result<T, sqlx::Error> {
    let text = text(value)?;
    text.parse::<T>()
        .map_err(|_| sqlx::Error::Decode(format!("unexpected stored value {text:?}").into()))
}

/// The names of [`STATE`]'s columns, joined for an INSERT.
fn state_names() -> String {
    STATE.map(|(name, ..)| name).join(", ")
}

/// The values of [`STATE`]'s columns for `state`, in its order.
fn state_values(state: &RelationshipState) -> impl Iterator<Item = Option<String>> + '_ {
    STATE.iter().map(move |(_, value, _)| value(state))
}

/// A relationship's state as the change history shows it: [`STATE`]'s
/// columns, then its lists.
fn state_fields(state: &RelationshipState) -> Fields {
    let ids = |ids: &[Uuid]| Value::Array(ids.iter().map(|id| Value::String(id.to_string())).collect());
    let mut fields: Fields = STATE
        .iter()
        .map(|(column, value, _)| (camel(column), value(state).map_or(Value::Null, Value::String)))
        .collect();
    fields.insert("organizations".into(), ids(&state.organizations));
    fields.insert("thirdPartyLocations".into(), ids(&state.third_party_locations));
    let extension_fields = state
        .extension_fields
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    fields.insert("extensionFields".into(), Value::Object(extension_fields));
    fields
}

impl WriteTx {
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
            state_names(),
            placeholders(1, 6 + STATE.len())
        );
        let mut query = sqlx::query(&sql)
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(number.clone())
            .bind(1_i64)
            .bind(to_db_time(at))
            .bind(to_db_time(at));
        for value in state_values(state) {
            query = query.bind(value);
        }
        query.execute(self.conn()).await?;
        write_lists(self, id, state, None).await?;
        let record = RelationshipRecord {
            entity_id: id,
            number,
            version: Version(1),
            created_at: at,
            modified_at: at,
            state: state.clone(),
        };
        self.record(Change::created(RESOURCE, id, 1, record.fields()));
        Ok(record)
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
        const BATCH: usize = 400;
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
        let batches = || {
            (1..=count)
                .step_by(BATCH)
                .map(move |first| first..=(first + BATCH as u64 - 1).min(count))
        };
        let mut inserted = 0;
        for batch in batches() {
            let n = batch.clone().count();
            let width = 6 + STATE.len();
            let rows: Vec<String> = (0..n)
                .map(|i| format!("({})", placeholders(1 + i * width, width)))
                .collect();
            let sql = format!(
                "INSERT INTO relationships (tenant_id, entity_id, relationship_number, version, created_at, modified_at, {}) \
                 VALUES {} ON CONFLICT DO NOTHING",
                state_names(),
                rows.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for number in batch {
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
                for value in state_values(&state) {
                    query = query.bind(value);
                }
            }
            inserted += query.execute(self.conn()).await?.rows_affected();
        }
        if self.engine() == Engine::Postgres {
            // The foreign-key checks of the links below look each relationship
            // up with a plan made for the table as it was: refresh the
            // statistics first, or each check scans every row inserted above.
            self.conn().execute("ANALYZE relationships").await?;
        }
        for organization in &template.organizations {
            for batch in batches() {
                let n = batch.clone().count();
                let rows: Vec<String> = (0..n).map(|i| format!("($1, ${}, $2, 0)", i + 3)).collect();
                let sql = format!(
                    "INSERT INTO relationship_organizations (tenant_id, relationship_id, organization_id, position) \
                     VALUES {} ON CONFLICT DO NOTHING",
                    rows.join(", ")
                );
                let mut query = sqlx::query(&sql).bind(tenant.clone()).bind(organization.to_string());
                for number in batch {
                    query = query.bind(generated_id(number).to_string());
                }
                query.execute(self.conn()).await?;
            }
        }
        Ok(inserted)
    }
}

/// The entity id of generated relationship `number`: `00000000-0000-4000-8000-`
/// and the number in 12 hexadecimal digits.
pub fn generated_id(number: u64) -> Uuid {
    Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0000 | u128::from(number % 1_000_000_000_000))
}

/// The change history's name of relationships.
const RESOURCE: &str = "relationships";

impl Aggregate for RelationshipRecord {
    type Key = Uuid;
    type Next = RelationshipState;
    const NAME: &'static str = "Relationship";
    const RESOURCE: &'static str = RESOURCE;

    fn version(&self) -> Version {
        self.version
    }

    fn id(&self) -> String {
        self.entity_id.to_string()
    }

    fn fields(&self) -> Fields {
        let mut fields = Fields::new();
        fields.insert("relationshipNumber".into(), Value::String(self.number.clone()));
        fields.extend(state_fields(&self.state));
        fields
    }

    fn next_fields(next: &RelationshipState) -> Fields {
        state_fields(next)
    }

    async fn lock(tx: &mut WriteTx, id: &Uuid) -> Result<Option<Self>, sqlx::Error> {
        let tenant = tx.tenant();
        sqlx::query(one_view_sql(tx.engine(), Names::Omitted))
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(tx.conn())
            .await?
            .map(|row| view_from_row(tx.engine(), &row).map(|view| view.record))
            .transpose()
    }

    /// Writes the row's columns and lists that changed (an index is then
    /// updated only when its column changed), a new version and `at`.
    async fn save(&self, tx: &mut WriteTx, next: &RelationshipState, at: DateTime<Utc>) -> Result<Version, WriteError> {
        let changed: Vec<(&str, Option<String>)> = STATE
            .iter()
            .map(|(column, value, _)| (*column, value(&self.state), value(next)))
            .filter(|(_, before, after)| before != after)
            .map(|(column, _, after)| (column, after))
            .collect();
        let assignments: String = changed
            .iter()
            .enumerate()
            .map(|(i, (column, _))| format!("{column} = ${}, ", i + 4))
            .collect();
        let sql = format!(
            "UPDATE relationships SET {assignments}version = version + 1, modified_at = $1 \
             WHERE tenant_id = $2 AND entity_id = $3 RETURNING version"
        );
        let tenant = tx.tenant();
        let mut query = sqlx::query(&sql)
            .bind(to_db_time(at))
            .bind(tenant.to_string())
            .bind(self.entity_id.to_string());
        for (_, value) in changed {
            query = query.bind(value);
        }
        let version: i64 = query.fetch_one(tx.conn()).await?.try_get(0)?;
        write_lists(tx, self.entity_id, next, Some(&self.state)).await?;
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
}

/// Writes the lists of `state` that differ from `before` (every non-empty one when there is none).
async fn write_lists(
    tx: &mut WriteTx,
    id: Uuid,
    state: &RelationshipState,
    before: Option<&RelationshipState>,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
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
            clear(tx, table, id).await?;
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
        query.execute(tx.conn()).await?;
    }
    let old = before.map(|b| &b.extension_fields);
    if old == Some(&state.extension_fields) {
        return Ok(());
    }
    if old.is_some() {
        clear(tx, "relationship_extension_values", id).await?;
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
        query.execute(tx.conn()).await?;
    }
    Ok(())
}

/// Deletes a relationship's rows of one list table.
async fn clear(tx: &mut WriteTx, table: &str, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "DELETE FROM {table} WHERE tenant_id = $1 AND relationship_id = $2"
    ))
    .bind(tx.tenant().to_string())
    .bind(id.to_string())
    .execute(tx.conn())
    .await
    .map(|_| ())
}
