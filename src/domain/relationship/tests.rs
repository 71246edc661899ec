use super::*;

fn raw() -> RawRelationship {
    RawRelationship {
        name: Some("Example".into()),
        start_effective_date: Some("2026-05-01".into()),
        organizations: Some(vec!["3fa85f64-5717-4562-b3fc-2c963f66afa6".into()]),
        internal_manager: Some("a218d8e5-8c7a-4f3e-9b12-111111111111".into()),
        external_manager: Some("b218d8e5-8c7a-4f3e-9b12-222222222222".into()),
        classification: Some("classification1".into()),
        category: Some("Cat1".into()),
        internal_access: Some("team".into()),
        external_access: Some("TEAM".into()),
        status: Some("Relationship_Active".into()),
        ..RawRelationship::default()
    }
}

#[test]
fn the_documented_example_parses() {
    let command = RelationshipCommand::parse(raw(), None).expect("valid");
    assert_eq!(command.internal_access, Access::Team);
    assert_eq!(command.start_effective_date.to_rfc3339(), "2026-05-01T00:00:00+00:00");
}

#[test]
fn every_field_violation_is_reported_together() {
    let nil = Uuid::nil().to_string();
    let bad = RawRelationship {
        name: Some("x".repeat(501)),
        start_effective_date: Some("May 1st".into()),
        organizations: Some(vec![
            nil.clone(),
            "3fa85f64-5717-4562-b3fc-2c963f66afa6".into(),
            "3fa85f64-5717-4562-b3fc-2c963f66afa6".into(),
        ]),
        internal_manager: None,
        external_manager: Some("nope".into()),
        internal_access: Some("Everyone".into()),
        status: Some("Active".into()),
        ..raw()
    };
    let errors = RelationshipCommand::parse(bad, None).expect_err("invalid");
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
    let create = RelationshipCommand::parse(
        RawRelationship {
            supplier: Patch::Set(supplier.to_string()),
            ..raw()
        },
        None,
    )
    .expect("valid");
    let state = create.apply(None).expect("applies");
    let same = RelationshipCommand::parse(
        RawRelationship {
            supplier: Patch::Set(supplier.to_string()),
            ..raw()
        },
        None,
    )
    .expect("valid");
    assert!(same.apply(Some(&state)).is_ok());
    let other = RelationshipCommand::parse(
        RawRelationship {
            supplier: Patch::Set(Uuid::new_v4().to_string()),
            ..raw()
        },
        None,
    )
    .expect("valid");
    assert!(other.apply(Some(&state)).is_err());
    let omitted = RelationshipCommand::parse(raw(), None).expect("valid");
    assert_eq!(omitted.apply(Some(&state)).expect("applies").supplier, Some(supplier));
    assert!(
        RelationshipCommand::parse(raw(), None)
            .expect("valid")
            .apply(None)
            .is_err(),
        "required on create"
    );
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
