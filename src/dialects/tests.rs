//! Every answer the API documents is written by serde exactly as its spec
//! derive describes it, in JSON and in XML.
//!
//! [`crate::wire!`] emits both derives from one declaration; this holds it
//! to that over every answer type, with sample values made from each
//! type's own schema (once with every optional member, once with none), and
//! fails for an answer schema of the spec that no check covers.

use std::collections::BTreeSet;

use poem_openapi::registry::Registry;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::health::Health;
use super::oauth::TokenResponse;
use super::related_users::schema::{RelatedStatusEnvelope, RelatedUserEnvelope, RelatedUserListEnvelope};
use super::relationship_users::schema::{
    RelationshipUser, RelationshipUserCreated, RelationshipUserDone, RelationshipUserList,
};
use super::risk::schema::{Relationship, RelationshipWritten, RiskEnvelope, RiskListEnvelope};
use super::setup::ListPage;
use super::setup::categories::{Category, SubCategory};
use super::setup::classifications::Classification;
use super::setup::extension_fields::ExtensionField;
use super::setup::form_configurations::FormConfiguration;
use super::setup::organizations::Organization;
use super::setup::relationship_user_types::RelationshipUserType;
use super::setup::suppliers::{Supplier, SupplierAddress};
use super::setup::users::User;
use crate::context::ApiContext;
use crate::xml;

/// Checks `T` and returns its schema name, and the XML serde writes of its
/// samples (with every optional member, and with the required ones only).
fn agrees<T: ParseFromJSON + ToJSON + Serialize>() -> (String, Vec<(String, String)>) {
    let mut registry = Registry::new();
    T::register(&mut registry);
    let schemas = match serde_json::to_value(&registry.schemas) {
        Ok(Value::Object(schemas)) => schemas,
        _ => Map::new(),
    };
    let root = serde_json::to_value(T::schema_ref()).expect("a schema");
    let name = crate::wire::name_of::<T>().to_string();
    let mut written = Vec::new();
    for full in [true, false] {
        let sample = Sample {
            schemas: &schemas,
            full,
        }
        .of(&root, 0);
        let value = T::parse_from_json(Some(sample.clone()))
            .unwrap_or_else(|e| panic!("{name}: the sample {sample} does not parse: {}", e.into_message()));
        let spec = value.to_json().expect("a value");
        assert_eq!(
            serde_json::to_value(&value).ok(),
            Some(spec.clone()),
            "{name}: serde's JSON"
        );
        let xml = xml::ser::to_xml(&name, None, &value).ok();
        assert_eq!(xml, Some(xml::to_xml(&name, None, &spec)), "{name}: serde's XML");
        written.push((format!("{name} (full: {full})"), xml.unwrap_or_default()));
    }
    (name, written)
}

/// A value of a schema, made up.
struct Sample<'a> {
    schemas: &'a Map<String, Value>,
    /// Every optional member too, or only the required ones.
    full: bool,
}

impl Sample<'_> {
    fn of(&self, schema: &Value, depth: usize) -> Value {
        assert!(depth < 16, "the schema nests too deep: {schema}");
        if let Some(name) = schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            return self.of(&self.schemas[name], depth + 1);
        }
        if let Some(one) = schema["allOf"].as_array().and_then(|all| all.first()) {
            return self.of(one, depth + 1);
        }
        if let Some(first) = schema["enum"].as_array().and_then(|values| values.first()) {
            return first.clone();
        }
        match (schema["type"].as_str(), schema["format"].as_str()) {
            (Some("string"), Some("uuid")) => json!("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
            (Some("string"), Some("date-time")) => json!("2026-05-01T12:30:00+00:00"),
            (Some("string"), Some("date")) => json!("2026-05-01"),
            (Some("string"), _) => json!("a <sample> & more"),
            (Some("integer"), _) => json!(7),
            (Some("number"), _) => json!(1.5),
            (Some("boolean"), _) => json!(true),
            // Any value (a change's `before` and `after`): text, as most are.
            (None, None)
                if schema
                    .as_object()
                    .is_some_and(|s| s.keys().all(|k| k == "description" || k == "nullable")) =>
            {
                json!("any value")
            }
            (Some("array"), _) => json!([self.of(&schema["items"], depth + 1)]),
            (Some("object"), _) => {
                let required: BTreeSet<&str> = schema["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let mut members: Map<String, Value> = schema["properties"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(name, _)| self.full || required.contains(name.as_str()))
                    .map(|(name, property)| (name.clone(), self.of(property, depth + 1)))
                    .collect();
                if schema["additionalProperties"].is_object() && self.full {
                    members.insert("someKey".into(), self.of(&schema["additionalProperties"], depth + 1));
                }
                Value::Object(members)
            }
            _ => panic!("no sample for the schema {schema}"),
        }
    }
}

/// The schema names of every 2xx answer the spec documents.
fn answer_schemas() -> BTreeSet<String> {
    let document = super::document(&super::service(ApiContext::detached())).expect("the document");
    let mut names = BTreeSet::new();
    for item in document.value["paths"].as_object().expect("paths").values() {
        for operation in item.as_object().expect("a path item").values() {
            for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                // A shared response (`components/responses`), or one of its own.
                let response = response["$ref"]
                    .as_str()
                    .and_then(|shared| document.value.pointer(shared.trim_start_matches('#')))
                    .unwrap_or(response);
                let schema = &response["content"]["application/json"]["schema"]["$ref"];
                if let (true, Some(name)) = (status.starts_with('2'), schema.as_str()) {
                    names.insert(name.trim_start_matches("#/components/schemas/").to_string());
                }
            }
        }
    }
    names
}

#[test]
fn every_answer_is_written_by_serde_as_the_spec_describes_it_and_as_the_xml_schemas_do() {
    let (checked, written): (BTreeSet<String>, Vec<Vec<(String, String)>>) = [
        agrees::<Health>(),
        agrees::<TokenResponse>(),
        agrees::<RiskEnvelope<Relationship>>(),
        agrees::<RiskEnvelope<RelationshipWritten>>(),
        agrees::<RiskListEnvelope<Relationship>>(),
        agrees::<RelationshipUser>(),
        agrees::<RelationshipUserList>(),
        agrees::<RelationshipUserCreated>(),
        agrees::<RelationshipUserDone>(),
        agrees::<RelatedUserEnvelope>(),
        agrees::<RelatedUserListEnvelope>(),
        agrees::<RelatedStatusEnvelope>(),
        agrees::<Organization>(),
        agrees::<ListPage<Organization>>(),
        agrees::<User>(),
        agrees::<ListPage<User>>(),
        agrees::<Supplier>(),
        agrees::<ListPage<Supplier>>(),
        agrees::<SupplierAddress>(),
        agrees::<ListPage<SupplierAddress>>(),
        agrees::<Classification>(),
        agrees::<ListPage<Classification>>(),
        agrees::<Category>(),
        agrees::<ListPage<Category>>(),
        agrees::<SubCategory>(),
        agrees::<ListPage<SubCategory>>(),
        agrees::<ExtensionField>(),
        agrees::<ListPage<ExtensionField>>(),
        agrees::<RelationshipUserType>(),
        agrees::<ListPage<RelationshipUserType>>(),
        agrees::<FormConfiguration>(),
        agrees::<ListPage<FormConfiguration>>(),
        agrees::<crate::dialects::changes::ChangePage>(),
        agrees::<crate::dialects::webhooks::Webhook>(),
        agrees::<crate::dialects::webhooks::WebhookCreated>(),
        agrees::<ListPage<crate::dialects::webhooks::Webhook>>(),
        agrees::<ListPage<crate::store::webhooks::DeliveryAttempt>>(),
        agrees::<crate::store::webhooks::Delivery>(),
    ]
    .into_iter()
    .unzip();
    let unchecked: Vec<String> = answer_schemas().difference(&checked).cloned().collect();
    assert!(unchecked.is_empty(), "answers without a check here: {unchecked:?}");
    let document = super::document(&super::service(ApiContext::detached())).expect("the document");
    let written: Vec<(String, String)> = written.into_iter().flatten().collect();
    if let Some(refused) = crate::document::xsd::tests::refused(&document.xsd, &written) {
        assert!(refused.is_empty(), "answers the XML Schemas refuse: {refused:#?}");
    }
}
