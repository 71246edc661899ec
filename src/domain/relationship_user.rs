//! A relationship user's form: how a form is read (every problem at once),
//! merged into the stored properties, checked against its configuration,
//! and who may change a row through it (the platform's rules, seeds/000).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::domain::FieldError;
use crate::domain::form::{FormConfiguration, ResourceOwner, validate_value};
use crate::domain::text::is_snake_case;
use crate::domain::text::is_xml_name;

/// A form as sent: the values given and every field named.
#[derive(Debug, Default)]
pub struct FormInput {
    pub relationship_id: Option<String>,
    pub user_id: Option<String>,
    /// `None` values remove a property.
    pub properties: BTreeMap<String, Option<String>>,
    /// Every field the form names (`relationship_id`, `properties.status`, ...).
    pub named: Vec<String>,
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a form (JSON object, or what XML made of one), every problem at once.
pub fn read_form(form: Option<Value>, errors: &mut Vec<FieldError>) -> FormInput {
    let mut input = FormInput::default();
    let map = match form {
        None | Some(Value::Null) => return input,
        Some(Value::String(s)) if s.trim().is_empty() => return input,
        Some(Value::Object(map)) => map,
        Some(_) => {
            errors.push(FieldError::new("form", "is invalid"));
            return input;
        }
    };
    for (key, value) in map {
        match key.as_str() {
            "relationship_id" | "user_id" => {
                let text = scalar(&value);
                if text.is_none() && !value.is_null() {
                    errors.push(FieldError::new(&key, "is invalid"));
                }
                input.named.push(key.clone());
                if key == "relationship_id" {
                    input.relationship_id = text;
                } else {
                    input.user_id = text;
                }
            }
            "properties" => {
                let properties = match value {
                    Value::Object(map) => map,
                    Value::Null => continue,
                    Value::String(s) if s.trim().is_empty() => continue,
                    _ => {
                        errors.push(FieldError::new("properties", "is invalid"));
                        continue;
                    }
                };
                for (name, value) in properties {
                    if !is_snake_case(&name) {
                        errors.push(FieldError::new(
                            "properties",
                            format!("has an invalid key {name:?} (use snake_case)"),
                        ));
                        continue;
                    }
                    let field = format!("properties.{name}");
                    match (&value, scalar(&value)) {
                        (Value::Null, _) => {
                            input.properties.insert(name, None);
                        }
                        (_, Some(text)) => {
                            input.properties.insert(name, Some(text));
                        }
                        _ => errors.push(FieldError::new(&field, "is invalid")),
                    }
                    input.named.push(field);
                }
            }
            _ if is_xml_name(&key) => errors.push(FieldError::new(&key, "is not allowed")),
            _ => errors.push(FieldError::new("form", format!("has an unknown field {key:?}"))),
        }
    }
    input
}

/// Refuses fields the configuration does not list, then applies every
/// configured validation to the value the row would have.
pub fn validate(
    config: &FormConfiguration,
    input: &FormInput,
    value_of: impl Fn(&str) -> Option<String>,
    errors: &mut Vec<FieldError>,
) {
    for field in &input.named {
        if !config.fields.contains_key(field) {
            errors.push(FieldError::new(field, "is not allowed"));
        }
    }
    for (field, rules) in &config.fields {
        for message in validate_value(rules, value_of(field).as_deref()) {
            errors.push(FieldError::new(field, message));
        }
    }
}

/// `properties` with the form's changes: a value sets, `None` removes.
pub fn merge(
    properties: &BTreeMap<String, String>,
    changes: &BTreeMap<String, Option<String>>,
) -> BTreeMap<String, String> {
    let mut merged = properties.clone();
    for (name, value) in changes {
        match value {
            Some(v) => merged.insert(name.clone(), v.clone()),
            None => merged.remove(name),
        };
    }
    merged
}

/// Whether `actor` may change a row through `config`, the row being
/// created by `created_by` under `owner_policy`: a row created through a
/// `creator` configuration, or changed through one, is its creator's alone;
/// to anyone else it does not exist.
pub fn may_change(config: &FormConfiguration, owner_policy: ResourceOwner, created_by: &str, actor: &str) -> bool {
    let anyone = config.resource_owner == ResourceOwner::Anyone && owner_policy == ResourceOwner::Anyone;
    anyone || created_by == actor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_read_with_every_problem() {
        let mut errors = Vec::new();
        let form = serde_json::json!({"relationship_id": "R00001", "owner": "me", "properties": {"status": "x", "gone": null, "Bad Key": "y", "nested": {"a": 1}}});
        let input = read_form(Some(form), &mut errors);
        assert_eq!(input.relationship_id.as_deref(), Some("R00001"));
        assert_eq!(input.properties.get("gone"), Some(&None));
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["owner", "properties", "properties.nested"]);
    }
}
