use poem_openapi::Object;
use poem_openapi::types::Type;
use serde_json::json;

use super::*;

#[derive(Object, Debug)]
struct Inner {
    label: String,
}

#[derive(Object, Debug)]
struct Sample {
    name: String,
    count: i64,
    ratio: f64,
    active: bool,
    tags: Vec<String>,
    inner: Option<Inner>,
    extra: Option<std::collections::BTreeMap<String, String>>,
    inners: Option<Vec<Inner>>,
}

fn shape(xml: &str) -> Result<Value, XmlError> {
    let mut registry = Registry::new();
    Sample::register(&mut registry);
    from_xml(xml.as_bytes(), &Sample::schema_ref(), &registry)
}

#[test]
fn reads_the_openapi_default_mapping() {
    let value = shape(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Sample><name> a &amp; b </name><count>7</count>\
         <ratio>0.5</ratio><active>true</active><tags>x</tags><tags>y</tags>\
         <inner><label>l</label></inner><extra><k1>v1</k1></extra></Sample>",
    );
    assert_eq!(
        value,
        Ok(json!({"name": " a & b ", "count": 7, "ratio": 0.5, "active": true,
                  "tags": ["x", "y"], "inner": {"label": "l"}, "extra": {"k1": "v1"}}))
    );
}

#[test]
fn a_single_array_element_is_still_an_array() {
    assert_eq!(shape("<Sample><tags>x</tags></Sample>"), Ok(json!({"tags": ["x"]})));
}

#[test]
fn wrapped_lists_of_scalars_are_read_whatever_their_items_are_named() {
    for inner in ["string", "guid", "item", "a:guid"] {
        let xml = format!("<Sample><tags>\n  <{inner}>x</{inner}>\n  <{inner}>y</{inner}>\n</tags></Sample>");
        assert_eq!(shape(&xml), Ok(json!({"tags": ["x", "y"]})), "{inner}");
    }
    assert_eq!(
        shape("<Sample><tags><string>x</string></tags></Sample>"),
        Ok(json!({"tags": ["x"]})),
        "a wrapper of one"
    );
    assert_eq!(
        shape("<Sample><tags>w</tags><tags><s>x</s><s>y</s></tags><tags>z</tags></Sample>"),
        Ok(json!({"tags": ["w", "x", "y", "z"]})),
        "both forms, mixed"
    );
    assert_eq!(
        shape("<Sample><tags>w<s>x</s></tags></Sample>").map_err(|e| e.to_string()),
        Err("tags: mixes text and child elements".to_string())
    );
    assert_eq!(
        shape("<Sample><tags><s><t>x</t></s></tags></Sample>").map_err(|e| e.to_string()),
        Err("tags.0: must hold text, not child elements".to_string())
    );
}

#[test]
fn lists_of_objects_are_read_unwrapped_only() {
    assert_eq!(
        shape("<Sample><inners><label>a</label></inners><inners><label>b</label></inners></Sample>"),
        Ok(json!({"inners": [{"label": "a"}, {"label": "b"}]}))
    );
    // An element holding elements is one item: never taken for a wrapper.
    assert_eq!(
        shape("<Sample><inners><Inner><label>a</label></Inner></inners></Sample>"),
        Ok(json!({"inners": [{"Inner": {"label": "a"}}]}))
    );
}

#[test]
fn shape_errors_name_the_field_by_its_path() {
    let cases = [
        (
            "<Sample><inner>text</inner></Sample>",
            "inner: must hold child elements, not text",
        ),
        (
            "<Sample><name>a</name><name>b</name></Sample>",
            "name: appears 2 times but is not a list",
        ),
        (
            "<Sample><inner><label><b/></label></inner></Sample>",
            "inner.label: must hold text, not child elements",
        ),
    ];
    for (xml, message) in cases {
        assert_eq!(shape(xml).map_err(|e| e.to_string()), Err(message.to_string()), "{xml}");
    }
}

#[test]
fn nil_is_null_in_free_data_too() {
    let mut registry = Registry::new();
    let root = <serde_json::Value as Type>::schema_ref();
    <serde_json::Value as Type>::register(&mut registry);
    let xml = r#"<Free xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><a xsi:nil="true"/><b>x</b></Free>"#;
    assert_eq!(
        from_xml(xml.as_bytes(), &root, &registry),
        Ok(json!({"a": null, "b": "x"}))
    );
}

#[test]
fn an_empty_list_element_is_null() {
    assert_eq!(shape("<Sample><tags/></Sample>"), Ok(json!({"tags": null})));
    let nil = r#"<Sample xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><tags xsi:nil="true"/></Sample>"#;
    assert_eq!(shape(nil), Ok(json!({"tags": null})));
}

#[test]
fn many_distinct_children_are_grouped() {
    let children: String = (0..100_000).map(|i| format!("<a{i}/>")).collect();
    let value = shape(&format!("<Sample>{children}</Sample>")).expect("parses");
    assert_eq!(value.as_object().map(|o| o.len()), Some(100_000));
}

#[test]
fn writes_what_it_reads() {
    let value = json!({"name": "<&>", "count": 7, "ratio": 0.5, "active": false,
                       "tags": ["x", "y"], "inner": {"label": "l"}, "extra": {"k1": "v1"}, "none": null});
    let xml = to_xml("Sample", None, &value);
    let mut expected = value.clone();
    expected.as_object_mut().map(|m| m.remove("none"));
    assert_eq!(shape(&xml), Ok(expected));
}

#[test]
fn refuses_unsafe_or_malformed_documents() {
    let deep = format!("{}{}", "<a>".repeat(MAX_DEPTH + 1), "</a>".repeat(MAX_DEPTH + 1));
    let cases = [
        "<!DOCTYPE Sample [<!ENTITY x \"y\">]><Sample><name>&x;</name></Sample>",
        "<Sample><name>&x;</name></Sample>",
        "<Sample><name>",
        "<Sample></Other>",
        "",
        "<Sample/><Sample/>",
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Sample/>",
        "<Sample><name><b>x</b></name></Sample>",
        "<Sample><inner>text</inner></Sample>",
        "<Sample><name>a</name><name>b</name></Sample>",
        &deep,
    ];
    for case in cases {
        assert!(shape(case).is_err(), "accepted: {case}");
    }
    let at_limit = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
    assert!(read_tree(at_limit.as_bytes()).is_ok());
    assert!(read_tree(&[b'<', 0xff, b'/', b'>']).is_err());
}

fn with_attributes(count: usize) -> String {
    let attributes: String = (0..count).map(|i| format!(" a{i}=\"\"")).collect();
    format!("<Sample{attributes}/>")
}

#[test]
fn attributes_are_capped_per_element() {
    assert!(read_tree(with_attributes(MAX_ATTRIBUTES).as_bytes()).is_ok());
    let err = read_tree(with_attributes(MAX_ATTRIBUTES + 1).as_bytes()).expect_err("refused");
    assert!(err.to_string().contains("more than 64 attributes"), "{err}");
    assert!(
        read_tree(b"<Sample a=\"1\" a=\"2\"/>").is_err(),
        "duplicates are still refused"
    );
}

/// 80,000 attributes (or 60,000 namespace declarations) on one element
/// took the parser's duplicate check tens of seconds; refused at the
/// cap, they cost no more than reading up to it.
#[test]
fn huge_attribute_lists_are_refused_in_linear_time() {
    let namespaces: String = (0..60_000).map(|i| format!(" xmlns:n{i}=\"u\"")).collect();
    for (label, document) in [
        ("attributes", with_attributes(80_000)),
        ("namespaces", format!("<Sample{namespaces}/>")),
    ] {
        let started = std::time::Instant::now();
        assert!(shape(&document).is_err(), "{label}");
        let elapsed = started.elapsed();
        assert!(elapsed < std::time::Duration::from_secs(2), "{label}: {elapsed:?}");
    }
    // Many elements, each under the cap: linear as well.
    let children: String = (0..20_000).map(|i| format!("<c{i} a=\"1\" b=\"2\"/>")).collect();
    let started = std::time::Instant::now();
    assert!(read_tree(format!("<Sample>{children}</Sample>").as_bytes()).is_ok());
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn numeric_references_are_expanded() {
    assert_eq!(
        shape("<Sample><name>&#65;&#x42;</name></Sample>"),
        Ok(json!({"name": "AB"}))
    );
}

#[test]
fn text_is_escaped_and_what_xml_cannot_carry_is_replaced() {
    let xml = to_xml("S", Some("urn:a&b"), &json!({"t": "a<b>&\"c' d\té\u{1}\u{FFFE}z"}));
    assert_eq!(
        xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><S xmlns=\"urn:a&amp;b\">\
         <t>a&lt;b&gt;&amp;&quot;c&apos; d\té\u{FFFD}\u{FFFD}z</t></S>"
    );
    // Around the two refused characters: their neighbours U+FFFD and U+FFEE,
    // and other characters of three bytes, stay as they are.
    assert_eq!(
        to_xml("S", None, &json!({"t": "\u{FFFF}\u{FFFD}\u{FFEE}€\u{FFFE}"}))
            .rsplit_once("?>")
            .map(|(_, b)| b),
        Some("<S><t>\u{FFFD}\u{FFFD}\u{FFEE}€\u{FFFD}</t></S>")
    );
    assert_eq!(
        to_xml("S", None, &json!({"t": "plain"}))
            .rsplit_once("?>")
            .map(|(_, b)| b),
        Some("<S><t>plain</t></S>")
    );
}

#[test]
fn the_serde_writer_writes_what_the_value_writer_writes() {
    let values = [
        json!({"a": "x", "n": 5, "neg": -3, "f": 1.5, "whole": 2.0, "t": true, "none": null}),
        json!({"list": ["a", "b"], "nested": [["a", "b"], ["c"]], "empty": [], "objs": [{"k": 1}, {"k": 2}]}),
        json!({"obj": {}, "deep": {"inner": {"leaf": "<&>"}}, "with nulls": 1, "1st": 2, "ok": [null, "x"]}),
        json!(["a", {"k": "v"}, ["x", "y"], null]),
        json!(null),
        json!("root text & more"),
        json!(42),
        json!({}),
        json!({"t": "a<b>&\"c' d\té\u{1}\u{FFFE}z"}),
    ];
    for value in &values {
        for namespace in [None, Some("urn:a&b")] {
            assert_eq!(
                ser::to_xml("Root", namespace, value).ok(),
                Some(to_xml("Root", namespace, value)),
                "{value}"
            );
        }
    }
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Typed {
        entity_id: uuid::Uuid,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<String>,
        kept_null: Option<String>,
        status: Status,
        fields: std::collections::BTreeMap<String, Vec<u32>>,
        pair: (i64, String),
    }
    #[derive(serde::Serialize)]
    enum Status {
        #[serde(rename = "Relationship_Active")]
        Active,
    }
    let typed = Typed {
        entity_id: uuid::Uuid::nil(),
        skipped: None,
        kept_null: None,
        status: Status::Active,
        fields: [("a".to_string(), vec![1, 2]), ("not a name".to_string(), vec![3])].into(),
        pair: (7, "seven".into()),
    };
    let value = serde_json::to_value(&typed).expect("a value");
    assert_eq!(
        ser::to_xml("Typed", None, &typed).ok(),
        Some(to_xml("Typed", None, &value))
    );
}
