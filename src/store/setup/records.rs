//! One generic store for the setup resources: every setup table has the
//! same bookkeeping columns (tenant, entity id, version, timestamps) plus
//! its own data columns, which a [`Record`] names and binds.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Executor, Row as _};
use uuid::Uuid;

use crate::domain::{Page, Position, TenantId, Version};
use crate::store::changes::{Change, Fields, camel};
use crate::store::{
    Aggregate, Store, WriteError, WriteTx, bind_all, from_db_time, from_db_uuid, keyset_after, next_number_on, now,
    placeholders, to_db_time,
};

/// A value for one data column.
#[derive(Debug, Clone, PartialEq)]
pub enum Col {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    Flag(bool),
}

/// A setup resource's data, as stored in its own table.
pub trait Record: Sized + Send + Sync {
    const TABLE: &'static str;
    /// The name used in "… not found".
    const NAME: &'static str;
    /// The data columns, in the order [`Record::columns`] gives values.
    const COLUMNS: &'static [&'static str];
    /// Columns written once at creation and never updated (e.g. a user's number).
    const FIXED_COLUMNS: &'static [&'static str] = &[];
    /// The column naming the parent row, for resources that live under another.
    const PARENT: Option<&'static str> = None;
    /// Columns the change history never shows (a sealed secret, say).
    const HIDDEN: &'static [&'static str] = &[];

    fn columns(&self) -> Vec<Col>;
    /// Values for [`Record::FIXED_COLUMNS`].
    fn fixed_columns(&self) -> Vec<Col> {
        Vec::new()
    }
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error>;
}

/// A stored record with its bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored<R> {
    pub entity_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
    pub data: R,
}

fn bind<'q>(query: Query<'q, Any, AnyArguments<'q>>, col: Col) -> Query<'q, Any, AnyArguments<'q>> {
    match col {
        Col::Text(s) => query.bind(s),
        Col::OptText(s) => query.bind(s),
        Col::Int(i) => query.bind(i),
        Col::Flag(b) => query.bind(i64::from(b)),
    }
}

pub(in crate::store) fn select_list<R: Record>() -> String {
    let mut cols = vec!["entity_id", "version", "created_at", "modified_at"];
    cols.extend(R::PARENT);
    cols.extend(R::FIXED_COLUMNS);
    cols.extend(R::COLUMNS);
    cols.join(", ")
}

pub(in crate::store) fn stored_from_row<R: Record>(row: &AnyRow) -> Result<Stored<R>, sqlx::Error> {
    let parent_id = match R::PARENT {
        Some(column) => Some(from_db_uuid(&row.try_get::<String, _>(column)?)?),
        None => None,
    };
    Ok(Stored {
        entity_id: from_db_uuid(&row.try_get::<String, _>("entity_id")?)?,
        parent_id,
        version: Version(row.try_get("version")?),
        created_at: from_db_time(&row.try_get::<String, _>("created_at")?)?,
        modified_at: from_db_time(&row.try_get::<String, _>("modified_at")?)?,
        data: R::from_row(row)?,
    })
}

/// A unique-constraint violation becomes a conflict; anything else stays a database error.
pub(crate) fn conflict_or(err: sqlx::Error, what: &str) -> WriteError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => WriteError::Conflict(what.to_string()),
        _ => WriteError::Database(err),
    }
}

/// Which row of a setup resource: its id, under its parent for child resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordKey {
    pub parent_id: Option<Uuid>,
    pub entity_id: Uuid,
}

/// The tenant's row whose every `(column, value)` matches, read with
/// `lock` (see [`WriteTx::for_update`]).
async fn select_one<'c, R: Record>(
    executor: impl Executor<'c, Database = Any>,
    tenant: TenantId,
    filters: Vec<(&str, Col)>,
    lock: &str,
) -> Result<Option<Stored<R>>, sqlx::Error> {
    let conditions: String = filters
        .iter()
        .enumerate()
        .map(|(i, (column, _))| format!(" AND {column} = ${}", i + 2))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} WHERE tenant_id = $1{conditions}{lock}",
        select_list::<R>(),
        R::TABLE
    );
    let mut query = sqlx::query(&sql).bind(tenant.to_string());
    for (_, value) in filters {
        query = bind(query, value);
    }
    query
        .fetch_optional(executor)
        .await?
        .map(|row| stored_from_row(&row))
        .transpose()
}

/// The filters that find the row `key` (under its parent, for child resources).
fn by_key<R: Record>(key: RecordKey) -> Vec<(&'static str, Col)> {
    let mut filters = vec![("entity_id", Col::Text(key.entity_id.to_string()))];
    if let (Some(column), Some(parent_id)) = (R::PARENT, key.parent_id) {
        filters.push((column, Col::Text(parent_id.to_string())));
    }
    filters
}

impl Store {
    /// The row `entity_id` of the tenant (and of `parent_id`, for child resources).
    pub async fn record_get<R: Record>(
        &self,
        tenant: TenantId,
        parent_id: Option<Uuid>,
        entity_id: Uuid,
    ) -> Result<Option<Stored<R>>, sqlx::Error> {
        let filters = by_key::<R>(RecordKey { parent_id, entity_id });
        select_one(&mut *self.reader().await?, tenant, filters, "").await
    }

    /// Inserts `data` as a new row (with `entity_id`, or a fresh one), in a write of its own.
    pub async fn record_insert<R: Record>(
        &self,
        tenant: TenantId,
        entity_id: Option<Uuid>,
        parent_id: Option<Uuid>,
        data: R,
    ) -> Result<Stored<R>, WriteError> {
        let mut tx = self.begin_write(tenant).await?;
        let stored = tx.record_insert(entity_id, parent_id, data).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// One page in creation order (under `parent_id` for child resources),
    /// from `page.offset` or after a row's place, and the total.
    pub async fn record_list<R: Record>(
        &self,
        tenant: TenantId,
        parent_id: Option<Uuid>,
        page: Page,
        after: Option<Position>,
    ) -> Result<(Vec<Stored<R>>, i64), sqlx::Error> {
        let mut condition = "tenant_id = $1".to_string();
        let mut values = vec![tenant.to_string()];
        if let Some(column) = R::PARENT {
            values.push(parent_id.map(|p| p.to_string()).unwrap_or_default());
            condition.push_str(&format!(" AND {column} = ${}", values.len()));
        }
        let count_sql = format!("SELECT COUNT(*) FROM {} WHERE {condition}", R::TABLE);
        let count_values = values.clone();
        if let Some(after) = after {
            let (start, bound) = keyset_after(after, ("created_at", "entity_id"), false, values.len() + 1);
            condition.push_str(&format!(" AND {start}"));
            values.extend(bound);
        }
        let sql = format!(
            "SELECT {} FROM {} WHERE {condition} ORDER BY created_at, entity_id LIMIT ${} OFFSET ${}",
            select_list::<R>(),
            R::TABLE,
            values.len() + 1,
            values.len() + 2
        );
        let rows = bind_all(sqlx::query(&sql), &values)
            .bind(i64::from(page.limit))
            .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
            .fetch_all(&mut *self.reader().await?)
            .await?;
        let total = bind_all(sqlx::query(&count_sql), &count_values)
            .fetch_one(&mut *self.reader().await?)
            .await?
            .try_get(0)?;
        let items = rows.iter().map(stored_from_row).collect::<Result<_, _>>()?;
        Ok((items, total))
    }

    /// The next number of the tenant's sequence `name` (1, 2, ...), in a write of its own.
    pub async fn next_number(&self, tenant: TenantId, name: &str) -> Result<i64, sqlx::Error> {
        let mut tx = self.begin_write(tenant).await?;
        let number = tx.next_number(name).await?;
        tx.commit().await?;
        Ok(number)
    }
}

impl WriteTx {
    /// The tenant's row `entity_id` (of `parent_id`, for child resources),
    /// kept from changing until this write ends.
    pub async fn record_get<R: Record>(
        &mut self,
        parent_id: Option<Uuid>,
        entity_id: Uuid,
    ) -> Result<Option<Stored<R>>, sqlx::Error> {
        let (tenant, lock) = (self.tenant(), self.for_share());
        let filters = by_key::<R>(RecordKey { parent_id, entity_id });
        select_one(self.conn(), tenant, filters, lock).await
    }

    /// The tenant's row whose unique `column` equals `value`, kept from
    /// changing until this write ends.
    pub(in crate::store) async fn record_find<R: Record>(
        &mut self,
        column: &str,
        value: Col,
    ) -> Result<Option<Stored<R>>, sqlx::Error> {
        let (tenant, lock) = (self.tenant(), self.for_share());
        select_one(self.conn(), tenant, vec![(column, value)], lock).await
    }

    /// Inserts `data` as a new row (with `entity_id`, or a fresh one).
    pub async fn record_insert<R: Record>(
        &mut self,
        entity_id: Option<Uuid>,
        parent_id: Option<Uuid>,
        data: R,
    ) -> Result<Stored<R>, WriteError> {
        let at = now();
        let entity_id = entity_id.unwrap_or_else(Uuid::new_v4);
        let mut names = vec!["tenant_id", "entity_id", "version", "created_at", "modified_at"];
        names.extend(R::PARENT);
        names.extend(R::FIXED_COLUMNS);
        names.extend(R::COLUMNS);
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            R::TABLE,
            names.join(", "),
            placeholders(1, names.len())
        );
        let mut query = sqlx::query(&sql)
            .bind(self.tenant().to_string())
            .bind(entity_id.to_string())
            .bind(1_i64)
            .bind(to_db_time(at))
            .bind(to_db_time(at));
        if R::PARENT.is_some() {
            query = query.bind(parent_id.map(|p| p.to_string()));
        }
        for col in data.fixed_columns().into_iter().chain(data.columns()) {
            query = bind(query, col);
        }
        query
            .execute(self.conn())
            .await
            .map_err(|e| conflict_or(e, "a row with these values already exists"))?;
        let stored = Stored {
            entity_id,
            parent_id,
            version: Version(1),
            created_at: at,
            modified_at: at,
            data,
        };
        self.record(Change::created(
            R::TABLE,
            entity_id,
            1,
            stored_fields(parent_id, &stored.data),
        ));
        Ok(stored)
    }

    /// The next number of the tenant's sequence `name` (1, 2, ...).
    pub async fn next_number(&mut self, name: &str) -> Result<i64, sqlx::Error> {
        let tenant = self.tenant();
        next_number_on(self.conn(), tenant, name).await
    }
}

/// `columns` of `R` with their `values`, as the change history shows them.
fn column_fields<R: Record>(columns: &[&str], values: Vec<Col>) -> Fields {
    columns
        .iter()
        .zip(values)
        .filter(|(column, _)| !R::HIDDEN.contains(column))
        .map(|(column, value)| {
            let value = match value {
                Col::Text(text) | Col::OptText(Some(text)) => Value::String(text),
                Col::OptText(None) => Value::Null,
                Col::Int(n) => Value::from(n),
                Col::Flag(flag) => Value::Bool(flag),
            };
            (camel(column), value)
        })
        .collect()
}

/// A row of `R` under `parent_id`, as the change history shows it.
fn stored_fields<R: Record>(parent_id: Option<Uuid>, data: &R) -> Fields {
    let mut fields = Fields::new();
    if let (Some(column), Some(parent)) = (R::PARENT, parent_id) {
        fields.insert(camel(column), Value::String(parent.to_string()));
    }
    fields.extend(column_fields::<R>(R::FIXED_COLUMNS, data.fixed_columns()));
    fields.extend(column_fields::<R>(R::COLUMNS, data.columns()));
    fields
}

impl<R: Record + 'static> Aggregate for Stored<R> {
    type Key = RecordKey;
    type Next = R;
    const NAME: &'static str = R::NAME;
    const RESOURCE: &'static str = R::TABLE;

    fn version(&self) -> Version {
        self.version
    }

    fn id(&self) -> String {
        self.entity_id.to_string()
    }

    fn fields(&self) -> Fields {
        stored_fields(self.parent_id, &self.data)
    }

    fn next_fields(next: &R) -> Fields {
        column_fields::<R>(R::COLUMNS, next.columns())
    }

    async fn lock(tx: &mut WriteTx, key: &RecordKey) -> Result<Option<Self>, sqlx::Error> {
        let (tenant, lock) = (tx.tenant(), tx.for_update());
        select_one(tx.conn(), tenant, by_key::<R>(*key), lock).await
    }

    async fn save(&self, tx: &mut WriteTx, next: &R, at: DateTime<Utc>) -> Result<Version, WriteError> {
        let assignments: Vec<String> = R::COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 2))
            .collect();
        let n = R::COLUMNS.len();
        let sql = format!(
            "UPDATE {} SET {}, version = version + 1, modified_at = $1 \
             WHERE tenant_id = ${} AND entity_id = ${} RETURNING version",
            R::TABLE,
            assignments.join(", "),
            n + 2,
            n + 3,
        );
        let mut query = sqlx::query(&sql).bind(to_db_time(at));
        for col in next.columns() {
            query = bind(query, col);
        }
        let row = query
            .bind(tx.tenant().to_string())
            .bind(self.entity_id.to_string())
            .fetch_one(tx.conn())
            .await
            .map_err(|e| conflict_or(e, "a row with these values already exists"))?;
        Ok(Version(row.try_get(0)?))
    }
}

/// Moves the tenant's sequence `name` forward to at least `value` (for rows created with a fixed number).
pub(crate) async fn counter_at_least<'c>(
    executor: impl Executor<'c, Database = Any>,
    tenant: TenantId,
    name: &str,
    value: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO counters (tenant_id, name, value) VALUES ($1, $2, $3) \
         ON CONFLICT (tenant_id, name) DO UPDATE SET value = \
         CASE WHEN counters.value < excluded.value THEN excluded.value ELSE counters.value END",
    )
    .bind(tenant.to_string())
    .bind(name)
    .bind(value)
    .execute(executor)
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        assert_eq!(placeholders(1, 0), "");
    }
}
