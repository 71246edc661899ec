use std::process::Command;

use serde_json::json;

use super::*;

/// Validates `documents` (label, text) against `schemas` with `xmllint`;
/// the label and xmllint's words of each one refused. `None` when xmllint
/// is not installed (a failure under `CI=true`).
pub(crate) fn refused(schemas: &[SchemaFile], documents: &[(String, String)]) -> Option<Vec<(String, String)>> {
    if !Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "xmllint is not installed: the XML Schema checks cannot be skipped in CI"
        );
        eprintln!("SKIPPED: xmllint is not installed (apt-get install libxml2-utils)");
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    for file in schemas {
        std::fs::write(dir.path().join(&file.name), &file.text).expect("write a schema");
    }
    let files: Vec<_> = (0..documents.len())
        .map(|i| dir.path().join(format!("{i}.xml")))
        .collect();
    for (file, (_, text)) in files.iter().zip(documents) {
        std::fs::write(file, text).expect("write a document");
    }
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(dir.path().join(MAIN))
        .args(&files)
        .output()
        .expect("xmllint runs");
    let said = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        !said.contains("failed to compile"),
        "the schemas do not compile: {said}"
    );
    Some(
        files
            .iter()
            .zip(documents)
            .filter(|(file, _)| !said.contains(&format!("{} validates", file.display())))
            .map(|(file, (label, text))| {
                let file = file.display().to_string();
                let words: Vec<&str> = said.lines().filter(|l| l.starts_with(&file)).collect();
                (label.clone(), format!("{}\n{text}", words.join("\n")))
            })
            .collect(),
    )
}

fn document() -> Value {
    json!({
        "paths": {"/things": {"put": {
            "requestBody": {"content": {"application/xml": {"schema": {"$ref": "#/components/schemas/ThingInput"}}}},
            "responses": {
                "200": {"content": {"application/xml": {"schema": {"$ref": "#/components/schemas/ThingList"}}}},
                "400": {"content": {"application/problem+xml": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            }
        }}},
        "components": {"schemas": {
            "Colour": {"type": "string", "enum": ["Red", "Blue"]},
            "ThingInput": {
                "type": "object",
                "required": ["name", "tags"],
                "properties": {
                    "name": {"type": "string", "maxLength": 10, "pattern": "^[a-z][a-z0-9_]*$"},
                    "note": {"type": "string", "nullable": true, "pattern": "^[^\\x00]*$"},
                    "colour": {"allOf": [{"$ref": "#/components/schemas/Colour"}], "nullable": true},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "since": {"type": "string", "format": "date"},
                    "start": {"type": "string", "format": "date", "pattern": "^[0-9]{4}"},
                    "size": {"type": "integer", "format": "uint32", "minimum": 1.0, "maximum": 9.0}
                },
                "additionalProperties": false,
                "xml": {"name": "ThingInput"}
            },
            "ThingList": {
                "type": "object",
                "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}},
                "xml": {"name": "ThingList"}
            },
            "Thing": {"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}}},
            "Problem": {
                "type": "object",
                "properties": {"title": {"type": "string"}},
                "xml": {"name": "problem", "namespace": "urn:example:problem"}
            },
            "Filter": {"type": "object", "properties": {"eq": {"type": "string"}}}
        }}
    })
}

#[test]
fn each_namespace_has_its_document_and_the_main_one_imports_them() {
    let files = schemas(&document()).expect("schemas");
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["liaison.xsd", "problem.xsd"]);
    let (main, problem) = (&files[0].text, &files[1].text);
    assert!(main.contains(r#"<xs:import namespace="urn:example:problem" schemaLocation="problem.xsd"/>"#));
    assert!(main.contains(r#"<xs:element name="ThingInput" type="ThingInput"/>"#));
    assert!(main.contains(r#"<xs:element name="ThingList" type="ThingList"/>"#));
    assert!(!main.contains("Problem") && !main.contains("Filter"), "{main}");
    assert!(problem.contains(r#"targetNamespace="urn:example:problem" xmlns="urn:example:problem""#));
    assert!(problem.contains(r#"<xs:element name="problem" type="Problem"/>"#));
}

#[test]
fn arrays_repeat_maps_take_any_element_and_nullables_are_nillable() {
    let main = &schemas(&document()).expect("schemas")[0].text;
    for expected in [
        r#"<xs:element name="tags" type="xs:string" minOccurs="0" maxOccurs="unbounded"/>"#,
        r#"<xs:element name="items" type="Thing" minOccurs="0" maxOccurs="unbounded"/>"#,
        r#"<xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>"#,
        r#"<xs:element name="colour" type="Colour" minOccurs="0" nillable="true"/>"#,
        r#"<xs:element name="note" type="xs:string" minOccurs="0" nillable="true"/>"#,
        r#"<xs:enumeration value="Red"/>"#,
        r#"<xs:pattern value="[a-z][a-z0-9_]*"/>"#,
        r#"<xs:maxLength value="10"/>"#,
        r#"<xs:element name="since" type="xs:date" minOccurs="0"/>"#,
        r#"<xs:element name="start" type="xs:string" minOccurs="0"/>"#,
        r#"<xs:minInclusive value="1"/>"#,
        r#"<xs:element name="at" type="xs:dateTime" minOccurs="0"/>"#,
    ] {
        assert!(main.contains(expected), "{expected} in\n{main}");
    }
}

#[test]
fn only_patterns_that_read_the_same_in_xsd_are_carried() {
    assert_eq!(xsd_pattern("^(anyone|creator)$"), Some("(anyone|creator)"));
    assert_eq!(xsd_pattern("^[^@]+$"), Some("[^@]+"));
    assert_eq!(xsd_pattern("^[0-9]{4}"), None, "not anchored at the end");
    assert_eq!(xsd_pattern("^[^\\x00]*$"), None, "an escape");
    assert_eq!(xsd_pattern("^(?:a|b)$"), None, "a group's syntax");
    assert_eq!(xsd_pattern("^a|^b$"), None, "an anchor inside");
}

#[test]
fn documents_the_mapping_describes_validate_and_others_do_not() {
    let files = schemas(&document()).expect("schemas");
    let documents = [
        (
            "full",
            "<ThingInput><name>a_1</name><note xsi:nil=\"true\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"/><colour>Red</colour><tags>x</tags><tags>y</tags><labels><any.key>v</any.key><ThingList/></labels><since>2026-05-01</since><start>2026-05-01T10:00:00Z</start><size>3</size></ThingInput>",
            true,
        ),
        ("required only", "<ThingInput><name>a</name></ThingInput>", true),
        (
            "a list",
            "<ThingList><items><at>2026-05-01T12:30:00+00:00</at></items><items/></ThingList>",
            true,
        ),
        (
            "a problem",
            "<problem xmlns=\"urn:example:problem\"><title>Bad Request</title></problem>",
            true,
        ),
        (
            "an unknown element",
            "<ThingInput><name>a</name><colour>Red</colour><other/></ThingInput>",
            false,
        ),
        (
            "not an enumeration value",
            "<ThingInput><name>a</name><colour>Green</colour></ThingInput>",
            false,
        ),
        (
            "a number out of bounds",
            "<ThingInput><name>a</name><size>10</size></ThingInput>",
            false,
        ),
        (
            "a problem outside its namespace",
            "<problem><title>Bad Request</title></problem>",
            false,
        ),
    ];
    let labelled: Vec<(String, String)> = documents
        .iter()
        .map(|(l, d, _)| (l.to_string(), d.to_string()))
        .collect();
    let Some(refused) = refused(&files, &labelled) else {
        return;
    };
    for (label, _, valid) in documents {
        assert_eq!(!refused.iter().any(|(l, _)| l == label), valid, "{label}: {refused:#?}");
    }
}
