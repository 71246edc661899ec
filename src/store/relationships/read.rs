//! Reading relationships: one statement a read, each row with its lists
//! and the names it refers to aggregated as JSON; the list's filters.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::DateTime;
use serde::de::value::BorrowedStrDeserializer;
use serde::de::{DeserializeSeed, Error as _, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use sqlx::any::AnyRow;
use sqlx::{Any, Column as _, Executor, Row as _};
use uuid::Uuid;

use super::filter::where_clause;
use super::{Filter, Order, RECORD_COLUMNS, RelationshipRecord, STATE};
use crate::domain::relationship::RelationshipState;
use crate::domain::{Page, TenantId, Version};
use crate::store::{Engine, Store, WriteTx, bind_all, from_db_time, from_db_uuid};

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

/// The most matches a relationship list counts: the deepest `offset` a
/// list takes (10,000) and a page (50), so that every row offsets reach is
/// counted, and a count costs at most as many index steps.
const COUNT_BOUND: i64 = 10_050;

impl Store {
    /// One relationship with its lists and the names it refers to, in one statement.
    pub async fn relationship_get(&self, tenant: TenantId, id: Uuid) -> Result<Option<RelationshipView>, sqlx::Error> {
        sqlx::query(one_view_sql(self.engine(), Names::Included))
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(&mut *self.reader().await?)
            .await?
            .map(|row| view_from_row(self.engine(), &row))
            .transpose()
    }

    /// A page of relationships matching every filter, with their lists and
    /// names, and how many match in all, up to `COUNT_BOUND`. Two
    /// statements, each served by an index: the count, which stops at the
    /// bound, and the page in index order (so a page of a large
    /// match is read without sorting it). The page's rows are found first,
    /// by their keys alone, and only they are read whole: the rows an
    /// `offset` skips cost an index step each, not a read of their lists.
    pub async fn relationship_list(
        &self,
        tenant: TenantId,
        filters: &[Filter],
        order: Order,
        page: Page,
    ) -> Result<(Vec<RelationshipView>, i64), sqlx::Error> {
        let (condition, mut values) = where_clause(tenant, filters);
        let count_sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM relationships r WHERE {condition} LIMIT {COUNT_BOUND}) AS counted"
        );
        let count_values = values.clone();
        let mut page_condition = condition;
        if let Some((start, after)) = order.start(values.len() + 1) {
            page_condition = format!("{page_condition} AND {start}");
            values.extend(after);
        }
        let (column, direction) = (order.column(), order.direction());
        let sorted = format!("ORDER BY r.{column} {direction}, r.entity_id {direction}");
        let keys = format!(
            "r.entity_id IN (SELECT r.entity_id FROM relationships r WHERE {page_condition} {sorted} LIMIT ${} OFFSET ${})",
            values.len() + 1,
            values.len() + 2
        );
        let sql = view_sql(
            self.engine(),
            Names::Included,
            &format!("r.tenant_id = $1 AND {keys}"),
            &format!(" {sorted}"),
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
        let views = rows
            .iter()
            .map(|row| view_from_row(self.engine(), row))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((views, total))
    }
}

/// What a relationship read carries besides the row and its lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Names {
    /// The names of everything it refers to, for an answer.
    Included,
    /// None: the write path needs the state only.
    Omitted,
}

/// A SELECT of relationships (`r`) matching `condition`, then `tail`: each
/// row's columns, its lists and (see [`Names`]) the names it refers to, as
/// the reader of a row names them ([`RECORD_COLUMNS`], [`STATE`]), in the shape [`Engine::row_of`] reads fastest.
pub(super) fn view_sql(engine: Engine, names: Names, condition: &str, tail: &str) -> String {
    let of_r = "x.tenant_id = r.tenant_id AND x.relationship_id = r.entity_id";
    let list = |sql: String| engine.json_member(&format!("({sql})"));
    let extension_fields = engine.json_rows(&["x.name", "x.value"]);
    let mut members: Vec<(&str, String)> = RECORD_COLUMNS
        .iter()
        .chain(STATE.iter().map(|(name, ..)| name))
        .map(|c| (*c, format!("r.{c}")))
        .collect();
    members.push((
        "extension_fields",
        list(format!(
            "SELECT {extension_fields} FROM relationship_extension_values x WHERE {of_r}"
        )),
    ));
    let joins = match names {
        Names::Omitted => {
            members.push((
                "organizations",
                list(format!(
                    "SELECT {} FROM relationship_organizations x WHERE {of_r}",
                    engine.json_rows(&["x.position", "x.organization_id", "NULL"])
                )),
            ));
            members.push((
                "locations",
                list(format!(
                    "SELECT {} FROM relationship_locations x WHERE {of_r}",
                    engine.json_rows(&["x.position", "x.address_id", "NULL", "NULL"])
                )),
            ));
            for name in ["internal_manager", "external_manager", "supplier_name", "parent_name"] {
                members.push((name, "NULL".to_string()));
            }
            ""
        }
        Names::Included => {
            // A name of one row is joined (one cursor for the whole read);
            // a list is a subquery a row (an aggregate each).
            let user = |u: &str| {
                format!(
                    "CASE WHEN {u}.entity_id IS NULL THEN NULL ELSE {} END",
                    engine.json_array(&[&format!("{u}.first_name"), &format!("{u}.last_name")])
                )
            };
            members.extend([
                (
                    "organizations",
                    list(format!(
                        "SELECT {} FROM relationship_organizations x LEFT JOIN organizations o \
                         ON o.tenant_id = x.tenant_id AND o.entity_id = x.organization_id WHERE {of_r}",
                        engine.json_rows(&["x.position", "x.organization_id", "o.name"])
                    )),
                ),
                (
                    "locations",
                    list(format!(
                        "SELECT {} FROM relationship_locations x LEFT JOIN supplier_addresses a \
                         ON a.tenant_id = x.tenant_id AND a.entity_id = x.address_id WHERE {of_r}",
                        engine.json_rows(&[
                            "x.position",
                            "x.address_id",
                            "a.line1 || ', ' || a.city",
                            "a.supplier_id"
                        ])
                    )),
                ),
                ("internal_manager", engine.json_member(&user("im"))),
                ("external_manager", engine.json_member(&user("em"))),
                ("supplier_name", "s.name".to_string()),
                ("parent_name", "p.name".to_string()),
            ]);
            " LEFT JOIN users im ON im.tenant_id = r.tenant_id AND im.entity_id = r.internal_manager_id \
                      LEFT JOIN users em ON em.tenant_id = r.tenant_id AND em.entity_id = r.external_manager_id \
                      LEFT JOIN suppliers s ON s.tenant_id = r.tenant_id AND s.entity_id = r.supplier_id \
                      LEFT JOIN relationships p ON p.tenant_id = r.tenant_id AND p.entity_id = r.parent_id"
        }
    };
    format!(
        "SELECT {} FROM relationships r{joins} WHERE {condition}{tail}",
        engine.row_of(&members)
    )
}

/// [`view_sql`] of the relationship `$2` of the tenant `$1`, locked
/// against other writers (PostgreSQL) when read for a write
/// ([`Names::Omitted`]): built once for each engine and kind of read.
pub(super) fn one_view_sql(engine: Engine, names: Names) -> &'static str {
    static SQL: [[OnceLock<String>; 2]; 2] = [const { [const { OnceLock::new() }; 2] }; 2];
    let (e, n) = (engine == Engine::Postgres, names == Names::Omitted);
    SQL[usize::from(e)][usize::from(n)].get_or_init(|| {
        let lock = match (engine, names) {
            (Engine::Postgres, Names::Omitted) => " FOR UPDATE OF r",
            _ => "",
        };
        view_sql(engine, names, "r.tenant_id = $1 AND r.entity_id = $2", lock)
    })
}

/// A row of [`view_sql`] read a column each (PostgreSQL's, see
/// [`Engine::row_of`]), as a map of the columns' names to their values, so
/// that [`Row`] reads both engines' rows.
struct Columns<'r> {
    row: &'r AnyRow,
    next: usize,
}

impl<'de> MapAccess<'de> for Columns<'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        match self.row.columns().get(self.next) {
            None => Ok(None),
            Some(column) => seed.deserialize(BorrowedStrDeserializer::new(column.name())).map(Some),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Self::Error> {
        let i = self.next;
        self.next += 1;
        let value = match self.row.try_get::<Option<&str>, _>(i) {
            Ok(text) => ColumnValue::Text(text),
            Err(_) => ColumnValue::Integer(self.row.try_get(i).map_err(serde::de::Error::custom)?),
        };
        seed.deserialize(value)
    }
}

/// One column's value: text (or `NULL`) or an integer. A list or a pair
/// asked of text reads it as JSON (the lists' columns are JSON as text).
enum ColumnValue<'r> {
    Text(Option<&'r str>),
    Integer(i64),
}

impl<'de> Deserializer<'de> for ColumnValue<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            ColumnValue::Text(Some(text)) => visitor.visit_borrowed_str(text),
            ColumnValue::Text(None) => visitor.visit_none(),
            ColumnValue::Integer(n) => visitor.visit_i64(n),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            ColumnValue::Text(None) => visitor.visit_none(),
            value => visitor.visit_some(value),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            ColumnValue::Text(Some(json)) => serde_json::Deserializer::from_str(json).deserialize_seq(visitor),
            value => value.deserialize_any(visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &str, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct tuple_struct
        map struct enum identifier ignored_any
    }
}

/// A stored text (borrowed from the row where it can be).
#[derive(Deserialize)]
struct Stored<'a>(#[serde(borrow)] Cow<'a, str>);

/// Reads a row of [`view_sql`], by the names it gives its members, straight
/// into a view: the state's own columns through [`STATE`]; the lists, which
/// come in no particular order, sorted by the position each item carries.
struct Row;

impl<'de> Visitor<'de> for Row {
    type Value = RelationshipView;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a relationship row")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RelationshipView, A::Error> {
        let bad = |e: sqlx::Error| A::Error::custom(e);
        let time = |text: Stored<'_>| from_db_time(&text.0).map_err(bad);
        let mut record = RelationshipRecord {
            entity_id: Uuid::nil(),
            number: String::new(),
            version: Version(0),
            created_at: DateTime::default(),
            modified_at: DateTime::default(),
            state: RelationshipState::default(),
        };
        // (position, organization, its name)
        let mut organizations: Vec<(i64, Uuid, Option<String>)> = Vec::new();
        // (position, address, "line1, city", its supplier)
        let mut locations: Vec<(i64, Uuid, Option<String>, Option<Uuid>)> = Vec::new();
        // Each manager's (first name, last name); the supplier's and the parent's names.
        let mut managers: [Option<(String, String)>; 2] = [None, None];
        let (mut supplier, mut parent): (Option<String>, Option<String>) = (None, None);
        while let Some(key) = map.next_key::<&str>()? {
            match key {
                "entity_id" => record.entity_id = map.next_value()?,
                "relationship_number" => record.number = map.next_value()?,
                "version" => record.version = Version(map.next_value()?),
                "created_at" => record.created_at = time(map.next_value()?)?,
                "modified_at" => record.modified_at = time(map.next_value()?)?,
                "extension_fields" => {
                    let fields: Vec<(String, String)> = map.next_value()?;
                    record.state.extension_fields = fields.into_iter().collect();
                }
                "organizations" => organizations = map.next_value()?,
                "locations" => locations = map.next_value()?,
                "internal_manager" => managers[0] = map.next_value()?,
                "external_manager" => managers[1] = map.next_value()?,
                "supplier_name" => supplier = map.next_value()?,
                "parent_name" => parent = map.next_value()?,
                column => {
                    let value: Option<Stored<'de>> = map.next_value()?;
                    let (_, _, read) = STATE
                        .iter()
                        .find(|(name, ..)| *name == column)
                        .ok_or_else(|| A::Error::unknown_field(column, &[]))?;
                    read(&mut record.state, value.as_ref().map(|v| &*v.0)).map_err(bad)?;
                }
            }
        }
        let state = &mut record.state;
        let mut names = ReferenceNames::default();
        organizations.sort_unstable_by_key(|item| item.0);
        state.organizations = organizations
            .into_iter()
            .map(|(_, id, name)| {
                names.organizations.extend(name.map(|n| (id, n)));
                id
            })
            .collect();
        locations.sort_unstable_by_key(|item| item.0);
        state.third_party_locations = locations
            .into_iter()
            .map(|(_, id, label, supplier)| {
                if let (Some(label), Some(supplier)) = (label, supplier) {
                    names.addresses.insert(id, (supplier, label));
                }
                id
            })
            .collect();
        let users = [state.internal_manager, state.external_manager]
            .into_iter()
            .zip(managers);
        names.users.extend(users.filter_map(|(id, n)| Some((id, n?))));
        names.suppliers.extend(state.supplier.zip(supplier));
        names.relationships.extend(state.parent_relationship.zip(parent));
        Ok(RelationshipView { record, names })
    }
}

/// A row of [`view_sql`] on `engine`.
pub(super) fn view_from_row(engine: Engine, row: &AnyRow) -> Result<RelationshipView, sqlx::Error> {
    let decoded = match engine {
        Engine::Sqlite => serde_json::Deserializer::from_str(row.try_get(0)?).deserialize_map(Row),
        Engine::Postgres => Row.visit_map(Columns { row, next: 0 }),
    };
    decoded.map_err(|e| sqlx::Error::Decode(e.into()))
}

impl Store {
    /// A relationship by entityId or by number (`R00001`).
    pub async fn relationship_by_id_or_number(
        &self,
        tenant: TenantId,
        text: &str,
    ) -> Result<Option<Uuid>, sqlx::Error> {
        relationship_by_id_or_number(&mut *self.reader().await?, tenant, text, "").await
    }
}

impl WriteTx {
    /// A relationship by entityId or by number (`R00001`), kept until this write ends.
    pub async fn relationship_by_id_or_number(&mut self, text: &str) -> Result<Option<Uuid>, sqlx::Error> {
        let (tenant, lock) = (self.tenant(), self.for_share());
        relationship_by_id_or_number(self.conn(), tenant, text, lock).await
    }
}

/// A relationship by entityId or by number, read with `lock`.
async fn relationship_by_id_or_number<'c>(
    executor: impl Executor<'c, Database = Any>,
    tenant: TenantId,
    text: &str,
    lock: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    let text = text.trim();
    let (column, value) = match Uuid::parse_str(text) {
        Ok(id) => ("entity_id", id.to_string()),
        Err(_) => ("relationship_number", text.to_string()),
    };
    let id: Option<String> = sqlx::query_scalar(&format!(
        "SELECT entity_id FROM relationships WHERE tenant_id = $1 AND {column} = $2{lock}"
    ))
    .bind(tenant.to_string())
    .bind(value)
    .fetch_optional(executor)
    .await?;
    id.map(|id| from_db_uuid(&id)).transpose()
}
