//! Wire names for the instances of generic schemas.
//!
//! poem-openapi names an instance of a generic wire struct
//! `{Generic}_{Param}` (`Envelope_Relationship`, `List_Category`): names a
//! generated client turns into classes such as `EnvelopeRelationship`, and
//! a JAXB or .NET user reads as internals. The document names each
//! instance as [`crate::wire::concrete_name`] says, the name the codec
//! writes as its XML root: `RelationshipEnvelope`, `CategoryList`. The
//! component is renamed, its `title` with it, and every `$ref` to it.

use anyhow::Context as _;
use serde_json::{Map, Value};

use crate::wire::concrete_name;

const PREFIX: &str = "#/components/schemas/";

/// Renames the generic instances among the document's schemas.
pub(super) fn name_instances(document: &mut Value) -> anyhow::Result<()> {
    let schemas = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .context("the generated OpenAPI document has no schemas")?;
    let renames: Vec<(String, String)> = schemas
        .keys()
        .filter_map(|name| {
            let wire = concrete_name(name);
            (wire != name.as_str()).then(|| (name.clone(), wire.into_owned()))
        })
        .collect();
    if renames.is_empty() {
        return Ok(());
    }
    let mut renamed: Vec<(String, Value)> = std::mem::take(schemas).into_iter().collect();
    for (name, schema) in &mut renamed {
        if let Some((_, wire)) = renames.iter().find(|(old, _)| old == name) {
            if schema["title"] == Value::String(name.clone()) {
                schema["title"] = Value::String(wire.clone());
            }
            name.clone_from(wire);
        }
    }
    renamed.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(twice) = renamed.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        anyhow::bail!("two schemas are named {} on the wire", twice[0].0);
    }
    *schemas = renamed.into_iter().collect::<Map<String, Value>>();
    rewrite_references(document, &renames);
    Ok(())
}

/// Points every `$ref` to a renamed schema at its new name.
fn rewrite_references(value: &mut Value, renames: &[(String, String)]) {
    match value {
        Value::Object(map) => {
            for (key, member) in map.iter_mut() {
                match (key.as_str(), member) {
                    ("$ref", Value::String(reference)) => {
                        let target = reference.strip_prefix(PREFIX).unwrap_or_default();
                        if let Some((_, wire)) = renames.iter().find(|(old, _)| old == target) {
                            *reference = format!("{PREFIX}{wire}");
                        }
                    }
                    (_, member) => rewrite_references(member, renames),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rewrite_references(item, renames)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn generic_instances_take_their_wire_names_everywhere() {
        let mut document = json!({
            "paths": {"/x": {"get": {"responses": {"200": {"content": {
                "application/xml": {"schema": {"$ref": "#/components/schemas/Envelope_List_Thing"}}
            }}}}}},
            "components": {"schemas": {
                "Envelope_List_Thing": {"title": "Envelope_List_Thing", "properties": {
                    "result": {"$ref": "#/components/schemas/List_Thing"}
                }},
                "List_Thing": {"title": "List_Thing", "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}
                }},
                "Thing": {"title": "Thing"}
            }}
        });
        name_instances(&mut document).expect("renamed");
        let schemas = document["components"]["schemas"].as_object().expect("schemas");
        assert_eq!(
            schemas.keys().collect::<Vec<_>>(),
            ["Thing", "ThingList", "ThingListEnvelope"]
        );
        assert_eq!(schemas["ThingListEnvelope"]["title"], "ThingListEnvelope");
        assert_eq!(
            schemas["ThingListEnvelope"]["properties"]["result"]["$ref"],
            "#/components/schemas/ThingList"
        );
        assert_eq!(
            document.pointer("/paths/~1x/get/responses/200/content/application~1xml/schema/$ref"),
            Some(&json!("#/components/schemas/ThingListEnvelope"))
        );
    }

    #[test]
    fn a_wire_name_taken_twice_is_refused() {
        let mut document = json!({"components": {"schemas": {
            "List_Thing": {}, "ThingList": {}
        }}});
        assert!(name_instances(&mut document).is_err());
    }
}
