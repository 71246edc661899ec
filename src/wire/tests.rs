use poem_openapi::types::ToJSON;
use serde_json::json;

use super::{Timestamp, concrete_name, name_of};

crate::wire! {
    /// A test enum.
    pub enum Colour {
        /// Red.
        Red = "Colour_Red",
        Blue = "blue",
        Green,
    }
}

crate::wire! {
    #[derive(Debug, Clone)]
    pub struct Inner {
        #[rename = "in"]
        pub inside: Vec<String>,
    }
}

crate::wire! {
    /// An outer shape.
    #[derive(Debug, Clone)]
    #[rename_all = "camelCase"]
    pub struct Outer<T> {
        /// A doc.
        pub some_value: T,
        #[skip_none]
        pub maybe_not: Option<i64>,
        #[flatten]
        pub inner: Inner,
        pub colour: Colour,
        pub at: Timestamp,
    }
}

#[test]
fn one_declaration_writes_the_same_members_to_the_spec_and_to_serde() {
    let at = chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
        .expect("a date")
        .to_utc();
    let outer = Outer {
        some_value: 3_i32,
        maybe_not: None,
        inner: Inner {
            inside: vec!["x".into()],
        },
        colour: Colour::Red,
        at: at.into(),
    };
    let expected = json!({"someValue": 3, "in": ["x"], "colour": "Colour_Red", "at": "2026-01-02T03:04:05+00:00"});
    assert_eq!(serde_json::to_value(&outer).expect("serialises"), expected);
    assert_eq!(outer.to_json(), Some(expected));
    assert_eq!(Colour::NAMES, ["Colour_Red", "blue", "Green"]);
    assert_eq!(Colour::ALL, [Colour::Red, Colour::Blue, Colour::Green]);
    assert_eq!(Colour::Blue.as_str(), "blue");
    assert_eq!(Colour::named("Colour_Red"), Some(Colour::Red));
    assert_eq!(Colour::named("Blue"), None, "only the wire's spelling");
}

#[test]
fn a_generic_instance_is_named_after_its_parameter() {
    assert_eq!(name_of::<Outer<Inner>>(), "InnerOuter");
    assert_eq!(name_of::<Inner>(), "Inner");
    assert_eq!(concrete_name("Envelope_List_Category"), "CategoryListEnvelope");
}
