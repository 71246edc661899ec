use serde_json::json;

use super::*;

fn components() -> Map<String, Value> {
    json!({
        "Dir": {"type": "string", "enum": ["asc", "desc"]},
        "Thing": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "maxLength": 5},
                "id": {"type": "string", "format": "uuid"},
                "tags": {"type": "array", "items": {"type": "string", "format": "uuid"}, "minItems": 1, "uniqueItems": true},
                "count": {"type": "integer", "format": "uint32"},
                "dir": {"$ref": "#/components/schemas/Dir"},
                "extra": {"type": "object", "additionalProperties": {"type": "string"}},
                "inner": {"type": "object", "properties": {"a": {"type": "boolean"}}}
            }
        }
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

#[test]
fn schemas_are_described_in_plain_words() {
    let components = components();
    let schemas = Schemas::new(&components);
    let cases = [
        (json!({"type": "integer", "format": "int64"}), "an integer"),
        (
            json!({"type": "integer", "format": "uint64"}),
            "an integer of at least 0",
        ),
        (
            json!({"type": "integer", "format": "uint32", "minimum": 1.0, "maximum": 200.0}),
            "an integer from 1 to 200",
        ),
        (json!({"type": "string", "format": "uuid"}), "a UUID"),
        (
            json!({"type": "string", "maxLength": 500}),
            "a string of at most 500 characters",
        ),
        (json!({"$ref": "#/components/schemas/Dir"}), "one of: asc, desc"),
        (json!({"type": "boolean"}), "true or false"),
        (
            json!({"type": "array", "items": {"type": "string", "format": "uuid"}, "minItems": 1, "uniqueItems": true}),
            "a list, each item a UUID, with at least 1 item, without duplicates",
        ),
        (
            json!({"type": "object", "additionalProperties": {"type": "string"}}),
            "an object, each value a string",
        ),
        (json!({"$ref": "#/components/schemas/Thing"}), "an object"),
    ];
    for (schema, words) in cases {
        assert_eq!(schemas.describe(&schema), words, "{schema}");
    }
    let kinds = [
        (json!({"type": "string", "maxLength": 500}), "a string"),
        (json!({"type": "string", "format": "uuid"}), "a UUID"),
        (json!({"$ref": "#/components/schemas/Dir"}), "one of: asc, desc"),
        (
            json!({"type": "integer", "format": "uint32", "maximum": 9.0}),
            "an integer",
        ),
        (
            json!({"type": "array", "items": {"type": "string"}, "minItems": 1}),
            "a list",
        ),
    ];
    for (schema, words) in kinds {
        assert_eq!(schemas.kind(&schema), words, "{schema}");
    }
}

#[test]
fn every_field_that_does_not_fit_is_named_once() {
    let components = components();
    let schemas = Schemas::new(&components);
    let root = json!({"$ref": "#/components/schemas/Thing"});
    let value = json!({
        "id": "nope", "tags": ["x"], "count": -1, "dir": "up",
        "extra": {"k": 1}, "inner": {"a": "yes"}, "unknown": 5
    });
    let mut errors = Vec::new();
    schemas.check(&value, &root, &mut String::new(), &mut errors);
    let got: Vec<(String, String)> = errors.into_iter().map(|e| (e.field, e.message)).collect();
    let want = [
        ("name", "is required"),
        ("id", "must be a UUID"),
        ("tags.0", "must be a UUID"),
        ("count", "must be an integer from 0 to 4294967295"),
        ("dir", "must be one of: asc, desc"),
        ("extra.k", "must be a string"),
        ("inner.a", "must be true or false"),
    ];
    let want: Vec<(String, String)> = want.iter().map(|(f, m)| (f.to_string(), m.to_string())).collect();
    assert_eq!(got, want);
}

#[test]
fn fields_are_found_by_their_paths() {
    let components = components();
    let schemas = Schemas::new(&components);
    let root = json!({"$ref": "#/components/schemas/Thing"});
    let described = |path: &str| schemas.at(&root, path).map(|s| schemas.describe(s));
    assert_eq!(described("tags.3").as_deref(), Some("a UUID"));
    assert_eq!(described("extra.anything").as_deref(), Some("a string"));
    assert_eq!(described("inner.a").as_deref(), Some("true or false"));
    assert_eq!(described("body").as_deref(), Some("an object"));
    assert_eq!(described("inner.b"), None);
    assert_eq!(described("tags.x"), None);
}

#[test]
fn undeclared_members_are_found_where_the_schema_is_closed() {
    let components = components();
    let schemas = Schemas::new(&components);
    let root = json!({"$ref": "#/components/schemas/Thing"});
    let mut value = json!({"name": "a", "x": 1, "extra": {"x": "kept"}, "inner": {"x": true}});
    let found = schemas.take_undeclared(&mut value, &root, &mut String::new());
    assert_eq!(found, ["x", "inner.x"]);
    assert_eq!(value, json!({"name": "a", "extra": {"x": "kept"}, "inner": {}}));
}
