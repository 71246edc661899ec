//! The setup tables as [`Record`]s.

use std::marker::PhantomData;

use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::domain::form::{FormConfiguration, ResourceOwner};
use crate::domain::setup::{
    Category, Classification, ExtensionField, Named, RelationshipUserType, SubCategory, SupplierAddress, kind,
};
pub mod records;

use records::{Col, Record};

pub use records::{RecordKey, Stored};

pub(super) fn flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

impl Record for SupplierAddress {
    const TABLE: &'static str = "supplier_addresses";
    const NAME: &'static str = "Supplier address";
    const COLUMNS: &'static [&'static str] = &["line1", "line2", "city", "postal_code", "country", "active"];
    const PARENT: Option<&'static str> = Some("supplier_id");

    fn columns(&self) -> Vec<Col> {
        vec![
            Col::Text(self.line1.clone()),
            Col::OptText(self.line2.clone()),
            Col::Text(self.city.clone()),
            Col::OptText(self.postal_code.clone()),
            Col::Text(self.country.clone()),
            Col::Flag(self.active),
        ]
    }

    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            line1: row.try_get("line1")?,
            line2: row.try_get("line2")?,
            city: row.try_get("city")?,
            postal_code: row.try_get("postal_code")?,
            country: row.try_get("country")?,
            active: flag(row, "active")?,
        })
    }
}

impl Record for Classification {
    const TABLE: &'static str = "classifications";
    const NAME: &'static str = "Classification";
    const COLUMNS: &'static [&'static str] = &["value", "active"];

    fn columns(&self) -> Vec<Col> {
        vec![Col::Text(self.value.clone()), Col::Flag(self.active)]
    }

    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            value: row.try_get("value")?,
            active: flag(row, "active")?,
        })
    }
}

/// Where each kind of [`Named`] value is stored.
pub trait NamedTable: Send + Sync {
    const TABLE: &'static str;
    /// The name used in "… not found".
    const NAME: &'static str;
}

impl NamedTable for kind::Organization {
    const TABLE: &'static str = "organizations";
    const NAME: &'static str = "Organization";
}

impl NamedTable for kind::Supplier {
    const TABLE: &'static str = "suppliers";
    const NAME: &'static str = "Supplier";
}

impl NamedTable for kind::Category {
    const TABLE: &'static str = "categories";
    const NAME: &'static str = "Category";
}

impl<K: NamedTable> Record for Named<K> {
    const TABLE: &'static str = K::TABLE;
    const NAME: &'static str = K::NAME;
    const COLUMNS: &'static [&'static str] = &["name", "active"];

    fn columns(&self) -> Vec<Col> {
        vec![Col::Text(self.name.clone()), Col::Flag(self.active)]
    }

    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            name: row.try_get("name")?,
            active: flag(row, "active")?,
            kind: PhantomData,
        })
    }
}

impl Record for SubCategory {
    const TABLE: &'static str = "sub_categories";
    const NAME: &'static str = "Subcategory";
    const COLUMNS: &'static [&'static str] = Category::COLUMNS;
    const PARENT: Option<&'static str> = Some("category_id");

    fn columns(&self) -> Vec<Col> {
        self.0.columns()
    }

    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Category::from_row(row).map(SubCategory)
    }
}

impl Record for ExtensionField {
    const TABLE: &'static str = "extension_fields";
    const NAME: &'static str = "Extension field";
    const COLUMNS: &'static [&'static str] = &["name", "max_length", "required", "active"];

    fn columns(&self) -> Vec<Col> {
        vec![
            Col::Text(self.name.clone()),
            Col::Int(self.max_length),
            Col::Flag(self.required),
            Col::Flag(self.active),
        ]
    }

    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            name: row.try_get("name")?,
            max_length: row.try_get("max_length")?,
            required: flag(row, "required")?,
            active: flag(row, "active")?,
        })
    }
}

impl Record for RelationshipUserType {
    const TABLE: &'static str = "relationship_user_types";
    const NAME: &'static str = "Relationship user type";
    const COLUMNS: &'static [&'static str] = &["name", "active"];
    const FIXED_COLUMNS: &'static [&'static str] = &["id"];

    fn columns(&self) -> Vec<Col> {
        vec![Col::Text(self.name.clone()), Col::Flag(self.active)]
    }

    fn fixed_columns(&self) -> Vec<Col> {
        vec![Col::Int(self.number)]
    }

    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            number: row.try_get("id")?,
            name: row.try_get("name")?,
            active: flag(row, "active")?,
        })
    }
}

impl Record for FormConfiguration {
    const TABLE: &'static str = "form_configurations";
    const NAME: &'static str = "Form configuration";
    const COLUMNS: &'static [&'static str] = &["name", "resource", "resource_owner", "fields"];
    const FIXED_COLUMNS: &'static [&'static str] = &["created_by"];

    fn columns(&self) -> Vec<Col> {
        vec![
            Col::Text(self.name.clone()),
            Col::Text(self.resource.clone()),
            Col::Text(self.resource_owner.as_str().to_string()),
            Col::Text(serde_json::to_string(&self.fields).unwrap_or_else(|_| "{}".into())),
        ]
    }

    fn fixed_columns(&self) -> Vec<Col> {
        vec![Col::Text(self.created_by.clone())]
    }

    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let owner: String = row.try_get("resource_owner")?;
        let fields: String = row.try_get("fields")?;
        Ok(Self {
            name: row.try_get("name")?,
            resource: row.try_get("resource")?,
            resource_owner: ResourceOwner::parse(&owner)
                .ok_or_else(|| sqlx::Error::Decode(format!("unexpected resource_owner {owner:?}").into()))?,
            fields: serde_json::from_str(&fields).map_err(|e| sqlx::Error::Decode(e.into()))?,
            created_by: row.try_get("created_by")?,
        })
    }
}

impl crate::store::WriteTx {
    /// The tenant's form configuration named `name`, kept from changing
    /// until this write ends.
    pub async fn form_configuration(&mut self, name: &str) -> Result<Option<FormConfiguration>, sqlx::Error> {
        let found = self
            .record_find::<FormConfiguration>("name", Col::Text(name.to_string()))
            .await?;
        Ok(found.map(|c| c.data))
    }
}
