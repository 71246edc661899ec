//! A relationship's references checked against the tenant's data, which the
//! store loads in one batch ([`References`]).

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::RelationshipState;
use crate::domain::{FieldError, Violations};

/// An extension field definition, as far as relationship values care.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtensionRule {
    pub max_length: i64,
    pub required: bool,
}

/// What the tenant's data says about the ids and values a state names,
/// loaded in one batch by the store.
#[derive(Debug, Clone, Default)]
pub struct References {
    pub organizations: HashSet<Uuid>,
    pub users: HashSet<Uuid>,
    pub supplier_exists: bool,
    pub classification_active: bool,
    pub category_exists: bool,
    pub sub_category_in_category: bool,
    pub parent_exists: bool,
    /// The parent's ancestors, the parent first.
    pub parent_lineage: Vec<Uuid>,
    /// Addresses of the state's supplier among the named locations.
    pub supplier_addresses: HashSet<Uuid>,
    /// The tenant's active extension fields by name.
    pub extension_fields: HashMap<String, ExtensionRule>,
}

/// Checks a state against the tenant's data; `id` is the relationship itself.
pub fn check_references(id: Uuid, state: &RelationshipState, refs: &References) -> Vec<FieldError> {
    let mut v = Violations::default();
    for (i, org) in state.organizations.iter().enumerate() {
        if !refs.organizations.contains(org) {
            v.add(FieldError::new(
                format!("organizations[{i}]"),
                format!("organization {org} does not exist"),
            ));
        }
    }
    for (field, user) in [
        ("internalManager", state.internal_manager),
        ("externalManager", state.external_manager),
    ] {
        if !refs.users.contains(&user) {
            v.add(FieldError::new(field, format!("user {user} does not exist")));
        }
    }
    if state.supplier.is_some() && !refs.supplier_exists {
        v.add(FieldError::new("supplier", "does not exist"));
    }
    if !refs.classification_active {
        v.add(FieldError::new(
            "classification",
            "must be an active classification of the tenant's setup data",
        ));
    }
    if !refs.category_exists {
        v.add(FieldError::new(
            "category",
            "must be a category of the tenant's setup data",
        ));
    }
    if state.sub_category.is_some() && !refs.sub_category_in_category {
        v.add(FieldError::new(
            "subCategory",
            "must be a subcategory of the given category",
        ));
    }
    if state.parent_relationship.is_some() {
        if !refs.parent_exists {
            v.add(FieldError::new("parentRelationship", "does not exist"));
        } else if refs.parent_lineage.contains(&id) {
            v.add(FieldError::new(
                "parentRelationship",
                "would make a cycle of parent relationships",
            ));
        }
    }
    for (i, location) in state.third_party_locations.iter().enumerate() {
        if !refs.supplier_addresses.contains(location) {
            v.add(FieldError::new(
                format!("thirdPartyLocations[{i}]"),
                format!("{location} is not an address of the relationship's supplier"),
            ));
        }
    }
    for (name, value) in &state.extension_fields {
        match refs.extension_fields.get(name) {
            None => v.add(FieldError::new(
                format!("extensionFields.{name}"),
                "is not a defined extension field",
            )),
            Some(rule) if value.chars().count() as i64 > rule.max_length => v.add(FieldError::new(
                format!("extensionFields.{name}"),
                format!("must be at most {} characters", rule.max_length),
            )),
            Some(_) => {}
        }
    }
    let mut required: Vec<&String> = refs
        .extension_fields
        .iter()
        .filter(|(name, rule)| rule.required && !state.extension_fields.contains_key(*name))
        .map(|(name, _)| name)
        .collect();
    required.sort();
    for name in required {
        v.add(FieldError::new(format!("extensionFields.{name}"), "is required"));
    }
    v.into_errors()
}
