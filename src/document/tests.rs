use super::*;

fn document() -> String {
    json!({
        "paths": {
            "/things/{id}": {
                "put": {
                    "operationId": "putThing",
                    "parameters": [
                        {"name": "id", "in": "path", "schema": {"type": "string", "format": "uuid"}},
                        {"name": "q", "in": "query", "schema": {"type": "string"}},
                        {"name": "filter", "in": "query", "schema": {"$ref": "#/components/schemas/Filter"}}
                    ],
                    "requestBody": {"content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ThingInput"}},
                        "application/xml": {"schema": {"$ref": "#/components/schemas/ThingInput"}},
                        "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/ThingInput"}}
                    }},
                    "responses": {"200": {"content": {
                        "application/xml": {"schema": {"$ref": "#/components/schemas/Page"}}
                    }}}
                }
            },
            "/token": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Token"}}}},
                "responses": {"200": {"content": {"application/xml": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}
            }}
        },
        "components": {"schemas": {
            "ThingInput": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "part": {"$ref": "#/components/schemas/Part"},
                    "tags": {"type": "object", "additionalProperties": {"type": "string"}},
                    "inline": {"type": "object", "properties": {"a": {"type": "integer"}}}
                },
                "example": {"name": "a & b", "part": {"size": 2}, "list": ["x", "y"], "gone": null}
            },
            "Part": {"type": "object", "properties": {"size": {"type": "integer"}}},
            "Filter": {"type": "object", "properties": {"eq": {"type": "string"}, "kind": {"type": "string", "enum": ["a"]}}},
            "Token": {"type": "object", "properties": {"grant_type": {"type": "string"}}},
            "Page": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}}},
            "Thing": {"type": "object", "properties": {"name": {"type": "string"}}}
        }}
    })
    .to_string()
}

fn finished() -> Value {
    let finish = Finish {
        rules: "rules",
        open: &["Token"],
        roots: &[Root {
            schema: "Page",
            element: "page",
            namespace: Some("urn:example"),
        }],
        parameters: &[("putThing", || {
            vec![json!({"name": "part[size]", "in": "query", "schema": {"type": "string"}})]
        })],
    };
    Document::finish(&document(), &finish).expect("finished").value
}

#[test]
fn request_bodies_are_closed_to_every_depth_but_maps_and_open_ones() {
    let schemas = &finished()["components"]["schemas"];
    assert_eq!(schemas["ThingInput"]["additionalProperties"], false);
    assert_eq!(schemas["Part"]["additionalProperties"], false);
    assert_eq!(
        schemas["ThingInput"]["properties"]["inline"]["additionalProperties"],
        false
    );
    assert_eq!(
        schemas["ThingInput"]["properties"]["tags"]["additionalProperties"],
        json!({"type": "string", "pattern": text::STORABLE_PATTERN})
    );
    assert_eq!(
        schemas["Filter"]["additionalProperties"], false,
        "parameters' objects too"
    );
    assert!(schemas["Token"].get("additionalProperties").is_none());
    assert!(
        schemas["Page"].get("additionalProperties").is_none(),
        "responses stay as generated"
    );
}

#[test]
fn a_table_of_parameters_follows_the_declared_ones_and_is_screened_alike() {
    let doc = finished();
    let parameters = doc["paths"]["/things/{id}"]["put"]["parameters"]
        .as_array()
        .expect("parameters");
    let names: Vec<&str> = parameters.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, ["id", "q", "filter", "part[size]"]);
    assert_eq!(parameters[3]["schema"]["pattern"], json!(text::STORABLE_PATTERN));
    assert!(
        doc["paths"]["/token"]["post"].get("parameters").is_none(),
        "other operations keep theirs"
    );
}

#[test]
fn request_strings_are_storable_text_unless_described_more_narrowly() {
    let doc = finished();
    let schemas = &doc["components"]["schemas"];
    let storable = json!(text::STORABLE_PATTERN);
    assert_eq!(schemas["ThingInput"]["properties"]["name"]["pattern"], storable);
    assert_eq!(schemas["Filter"]["properties"]["eq"]["pattern"], storable);
    assert!(
        schemas["Filter"]["properties"]["kind"].get("pattern").is_none(),
        "an enumeration"
    );
    let parameters = &doc["paths"]["/things/{id}"]["put"]["parameters"];
    assert_eq!(parameters[1]["schema"]["pattern"], storable);
    assert!(parameters[0]["schema"].get("pattern").is_none(), "a format");
    assert!(
        schemas["Thing"]["properties"]["name"].get("pattern").is_none(),
        "responses stay as generated"
    );
}

#[test]
fn body_roots_are_named_unless_they_are_array_items() {
    let schemas = &finished()["components"]["schemas"];
    assert_eq!(schemas["ThingInput"]["xml"], json!({"name": "ThingInput"}));
    assert_eq!(
        schemas["Page"]["xml"],
        json!({"name": "page", "namespace": "urn:example"})
    );
    assert!(
        schemas["Thing"].get("xml").is_none(),
        "Thing is also an item of Page.items"
    );
    assert!(schemas["Part"].get("xml").is_none(), "Part is no body");
}

#[test]
fn xml_media_types_get_the_schema_example_as_xml() {
    let doc = finished();
    let media = &doc["paths"]["/things/{id}"]["put"]["requestBody"]["content"];
    assert_eq!(
        media["application/xml"]["example"],
        r#"<?xml version="1.0" encoding="UTF-8"?><ThingInput><name>a &amp; b</name><part><size>2</size></part><list>x</list><list>y</list></ThingInput>"#
    );
    assert!(
        media["application/json"].get("example").is_none(),
        "JSON keeps the schema's example"
    );
}

#[test]
fn urlencoded_objects_nest_the_rack_way() {
    let doc = finished();
    let media = &doc["paths"]["/things/{id}"]["put"]["requestBody"]["content"];
    let deep = json!({"style": "deepObject", "explode": true});
    assert_eq!(
        media["application/x-www-form-urlencoded"]["encoding"],
        json!({"part": deep, "tags": deep, "inline": deep})
    );
}

#[test]
fn header_names_are_spelled_as_on_the_wire_and_the_correlation_id_goes_last() {
    for (generated, spelled_as) in [
        ("X-CORRELATION-ID", "X-Correlation-Id"),
        ("ETAG", "ETag"),
        ("LAST-MODIFIED", "Last-Modified"),
        ("If-Match", "If-Match"),
        ("WWW-AUTHENTICATE", "WWW-Authenticate"),
    ] {
        assert_eq!(spelled(generated), spelled_as);
    }
    let mut document = json!({"paths": {"/x": {"put": {
        "parameters": [
            {"name": "X-CORRELATION-ID", "in": "header"},
            {"name": "id", "in": "path"},
            {"name": "IF-MATCH", "in": "header"}
        ],
        "responses": {"200": {"headers": {"ETAG": {}, "X-CORRELATION-ID": {}}}}
    }}}});
    spell_headers(&mut document);
    let names: Vec<&str> = document["paths"]["/x"]["put"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["id", "If-Match", "X-Correlation-Id"]);
    let headers = document["paths"]["/x"]["put"]["responses"]["200"]["headers"]
        .as_object()
        .expect("headers");
    assert_eq!(headers.keys().collect::<Vec<_>>(), ["ETag", "X-Correlation-Id"]);
}
