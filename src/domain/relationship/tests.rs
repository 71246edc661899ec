use serde_json::json;

use super::*;

fn raw() -> Members {
    let body = json!({
        "name": "Example",
        "startEffectiveDate": "2026-05-01",
        "organizations": ["3fa85f64-5717-4562-b3fc-2c963f66afa6"],
        "internalManager": "a218d8e5-8c7a-4f3e-9b12-111111111111",
        "externalManager": "b218d8e5-8c7a-4f3e-9b12-222222222222",
        "classification": "classification1",
        "category": "Cat1",
        "internalAccess": "team",
        "externalAccess": "TEAM",
        "status": "Relationship_Active",
    });
    body.as_object().expect("an object").clone()
}

/// `raw()` with `changes` over it (a `null` takes a member out).
fn with(changes: Value) -> Members {
    let mut body = raw();
    for (name, value) in changes.as_object().expect("an object") {
        match value {
            Value::Null => body.remove(name),
            value => body.insert(name.clone(), value.clone()),
        };
    }
    body
}

#[test]
fn the_documented_example_parses() {
    let state = RelationshipState::parse(&raw(), Onto::Unread).expect("valid");
    assert_eq!(state.internal_access, Access::Team);
    assert_eq!(state.start_effective_date.to_rfc3339(), "2026-05-01T00:00:00+00:00");
}

#[test]
fn every_field_violation_is_reported_together() {
    let nil = Uuid::nil().to_string();
    let bad = with(json!({
        "name": "x".repeat(501),
        "startEffectiveDate": "May 1st",
        "organizations": [
            nil,
            "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        ],
        "internalManager": null,
        "externalManager": "nope",
        "internalAccess": "Everyone",
        "status": "Active",
    }));
    let errors = RelationshipState::parse(&bad, Onto::Unread).expect_err("invalid");
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "name",
            "startEffectiveDate",
            "organizations[0]",
            "organizations[2]",
            "internalManager",
            "externalManager",
            "internalAccess",
            "status"
        ]
    );
}

#[test]
fn iso_forms_are_accepted() {
    for text in [
        "2026-05-01",
        "2026-05-01T10:00:00",
        "2026-05-01T10:00:00Z",
        "2026-05-01T10:00:00.5+02:00",
        "2026-05-01T10:00",
    ] {
        assert!(parse_instant(text).is_some(), "{text}");
    }
    for text in ["01/05/2026", "2026-13-01", "", "2026-05-01T25:00"] {
        assert!(parse_instant(text).is_none(), "{text}");
    }
}

#[test]
fn the_supplier_cannot_change_on_update() {
    let supplier = Uuid::new_v4();
    let id = Uuid::new_v4();
    let state = RelationshipState::parse(&with(json!({"supplier": supplier.to_string()})), Onto::New).expect("valid");
    let same = with(json!({"supplier": supplier.to_string()}));
    assert!(RelationshipState::parse(&same, Onto::Stored(id, &state)).is_ok());
    let other = with(json!({"supplier": Uuid::new_v4().to_string()}));
    assert!(RelationshipState::parse(&other, Onto::Stored(id, &state)).is_err());
    let omitted = RelationshipState::parse(&raw(), Onto::Stored(id, &state)).expect("applies");
    assert_eq!(omitted.supplier, Some(supplier));
    let created = RelationshipState::parse(&raw(), Onto::New);
    assert!(created.is_err(), "required on create");
}

#[test]
fn the_documented_start_date_forms_parse() {
    let pattern = regex::Regex::new(StartDate::PATTERN).expect("the pattern compiles");
    for text in [
        "0001-01-01",
        "2026-05-01",
        "2024-02-29",
        "9999-12-31",
        "2026-05-01T10:00:00Z",
        "2026-05-01T10:00:00+02:00",
        "2026-05-01T10:00:00.123456-05:30",
    ] {
        assert!(pattern.is_match(text), "{text}");
        assert!(parse_instant(text).is_some(), "{text}");
    }
    for text in ["", "yesterday", "01-05-2026"] {
        assert!(!pattern.is_match(text), "{text}");
        assert!(parse_instant(text).is_none(), "{text}");
    }
}
