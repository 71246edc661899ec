//! Tenant setup data: what relationships are made of and validated against.
//! Each `parse` turns raw input into a valid value or every reason it is not.

use std::marker::PhantomData;

use crate::domain::text::{country_code, element_name, email, optional_text, required_text, snake_case_name, username};
use crate::domain::{FieldError, Violations};

pub const NAME_MAX: usize = 200;
pub const EXTENSION_VALUE_MAX: i64 = 4000;

type Parsed<T> = Result<T, Vec<FieldError>>;

/// `Some` values of every check, or all the violations.
macro_rules! all_or_violations {
    ($violations:ident, $($name:ident),+ => $build:expr) => {
        match ($($name,)+) {
            ($(Some($name),)+) if $violations.is_empty() => Ok($build),
            _ => Err($violations.into_errors()),
        }
    };
}

/// A setup value that is a name (1-200 characters) and an active flag;
/// its kind `K` (one of [`kind`]) keeps the lists apart, so that an
/// organization is never taken for a supplier.
#[derive(Debug, Clone, PartialEq)]
pub struct Named<K> {
    pub name: String,
    pub active: bool,
    /// Which list the value is in: a type, no data.
    pub kind: PhantomData<K>,
}

impl<K> Named<K> {
    pub fn parse(name: &str, active: Option<bool>) -> Parsed<Self> {
        let name = required_text("name", name, NAME_MAX).map_err(|e| vec![e])?;
        Ok(Self {
            name,
            active: active.unwrap_or(true),
            kind: PhantomData,
        })
    }
}

/// The kinds of [`Named`] values: types with no values, names only.
pub mod kind {
    #[derive(Debug, Clone, PartialEq)]
    pub enum Organization {}
    #[derive(Debug, Clone, PartialEq)]
    pub enum Supplier {}
    #[derive(Debug, Clone, PartialEq)]
    pub enum Category {}
}

/// An organization of the tenant.
pub type Organization = Named<kind::Organization>;
/// A supplier (third party) relationships are with.
pub type Supplier = Named<kind::Supplier>;
/// A category; subcategories are categories under one.
pub type Category = Named<kind::Category>;

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The per-tenant integer id, assigned at creation.
    pub number: i64,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub active: bool,
}

impl User {
    pub fn parse(
        number: i64,
        username_in: &str,
        first_name: &str,
        last_name: &str,
        email_in: &str,
        active: Option<bool>,
    ) -> Parsed<Self> {
        let mut v = Violations::default();
        let username = v.check(username("username", username_in));
        let first_name = v.check(required_text("firstName", first_name, 100));
        let last_name = v.check(required_text("lastName", last_name, 100));
        let email = v.check(email("email", email_in));
        all_or_violations!(v, username, first_name, last_name, email => Self {
            number, username, first_name, last_name, email, active: active.unwrap_or(true),
        })
    }

    /// "Last, First", as the Risk relationships dialect names managers.
    pub fn display_name(&self) -> String {
        format!("{}, {}", self.last_name, self.first_name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SupplierAddress {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: Option<String>,
    pub country: String,
    pub active: bool,
}

impl SupplierAddress {
    pub fn parse(
        line1: &str,
        line2: Option<&str>,
        city: &str,
        postal_code: Option<&str>,
        country: &str,
        active: Option<bool>,
    ) -> Parsed<Self> {
        let mut v = Violations::default();
        let line1 = v.check(required_text("line1", line1, NAME_MAX));
        let line2 = v.check(optional_text("line2", line2, NAME_MAX));
        let city = v.check(required_text("city", city, 100));
        let postal_code = v.check(optional_text("postalCode", postal_code, 20));
        let country = v.check(country_code("country", country));
        all_or_violations!(v, line1, line2, city, postal_code, country => Self {
            line1, line2, city, postal_code, country, active: active.unwrap_or(true),
        })
    }

    /// One line for display: "line1, city".
    pub fn display_name(&self) -> String {
        format!("{}, {}", self.line1, self.city)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub value: String,
    pub active: bool,
}

impl Classification {
    pub fn parse(value: &str, active: Option<bool>) -> Parsed<Self> {
        let value = required_text("value", value, NAME_MAX).map_err(|e| vec![e])?;
        Ok(Self {
            value,
            active: active.unwrap_or(true),
        })
    }
}

/// A subcategory, which belongs to one category.
#[derive(Debug, Clone, PartialEq)]
pub struct SubCategory(pub Category);

/// A kind of relationship user (e.g. `team_members`), with a per-tenant integer id.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipUserType {
    pub number: i64,
    pub name: String,
    pub active: bool,
}

impl RelationshipUserType {
    pub fn parse(number: i64, name: &str, active: Option<bool>) -> Parsed<Self> {
        let name = snake_case_name("name", name).map_err(|e| vec![e])?;
        Ok(Self {
            number,
            name,
            active: active.unwrap_or(true),
        })
    }
}

/// A user-defined field on relationships.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtensionField {
    /// Also its XML element name, so it must be a valid one.
    pub name: String,
    pub max_length: i64,
    pub required: bool,
    pub active: bool,
}

impl ExtensionField {
    pub fn parse(name: &str, max_length: i64, required: Option<bool>, active: Option<bool>) -> Parsed<Self> {
        let mut v = Violations::default();
        let name = v.check(element_name("name", name));
        if !(1..=EXTENSION_VALUE_MAX).contains(&max_length) {
            v.add(FieldError::new(
                "maxLength",
                format!("must be between 1 and {EXTENSION_VALUE_MAX}"),
            ));
        }
        all_or_violations!(v, name => Self {
            name, max_length, required: required.unwrap_or(false), active: active.unwrap_or(true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_violation_is_reported() {
        let errors = User::parse(1, "bad name", "", "Leite", "nope", None).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["username", "firstName", "email"]);
    }

    #[test]
    fn extension_field_names_are_xml_names() {
        assert!(ExtensionField::parse("riskScore", 10, None, None).is_ok());
        assert_eq!(
            ExtensionField::parse("1abc", 0, None, None).map_err(|e| e.len()),
            Err(2)
        );
    }
}
