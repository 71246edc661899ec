use super::*;
use crate::dialects::Apis;

fn table() -> RouteTable {
    RouteTable::of::<Apis>().expect("a table")
}

#[test]
fn templates_match_concrete_paths() {
    let table = table();
    assert_eq!(table.allowed_methods("/api/relationships/42"), ["GET", "PUT"]);
    assert_eq!(table.allowed_methods("/api/relationships"), ["GET", "POST"]);
    assert_eq!(table.allowed_methods("/api/user/related"), ["GET", "POST", "PUT"]);
    assert!(table.allowed_methods("/api/relationships/42/b").is_empty());
    assert!(table.allowed_methods("/api/relationships/").is_empty());
    assert_eq!(
        table.path_parameters("/api/relationships/4%202"),
        [("relationshipId", "4%202")]
    );
    assert!(table.path_parameters("/api/relationships").is_empty());
    assert!(table.knows("/api/setup/suppliers/x/addresses/y"));
    assert!(!table.knows("/api/setup/suppliers/x/addresses/y/z"));
}

#[test]
fn scopes_and_operation_ids_come_from_the_handlers() {
    let table = table();
    let read = Some(vec!["riskassess.relationship.read".to_string()]);
    assert_eq!(table.required_scopes("GET", "/api/relationships/1"), read);
    assert_eq!(
        table.required_scopes("HEAD", "/api/relationships/1"),
        read,
        "HEAD runs the GET handler"
    );
    assert_eq!(
        table.required_scopes("PUT", "/api/relationships/1"),
        Some(vec!["riskassess.relationship.write".to_string()])
    );
    assert_eq!(table.required_scopes("GET", "/healthz"), Some(vec![]), "open to anyone");
    assert_eq!(
        table.operation_id("GET", "/api/relationships/1"),
        Some("getRelationship")
    );
    assert_eq!(
        table.operation_id("HEAD", "/api/relationships/1"),
        Some("getRelationship")
    );
    assert_eq!(table.operation_id("DELETE", "/api/relationships/1"), None);
    assert_eq!(table.operation_id("GET", "/b"), None);
}

#[test]
fn undeclared_operations_have_no_scopes_to_pass() {
    let table = table();
    assert_eq!(table.required_scopes("DELETE", "/api/relationships/1"), None);
    assert_eq!(table.required_scopes("GET", "/b"), None);
}

#[test]
fn parameters_are_named_as_sent_with_their_schemas() {
    let table = table();
    let names = |method, path| {
        table
            .parameters(method, path)
            .iter()
            .map(|p| (p.name.as_str(), p.location, p.required))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names("PUT", "/api/relationships/1"),
        [
            ("relationshipId", Location::Path, true),
            ("If-Match", Location::Header, false)
        ]
    );
    assert!(table.parameters("GET", "/b").is_empty());
    let id = &table.parameters("GET", "/api/user/related/1")[0];
    assert_eq!(table.schemas().describe(&id.schema), "an integer");
    assert!(table.names_no_resource("/api/user/related/abc"));
    assert!(!table.names_no_resource("/api/user/related/12"));
    assert!(!table.names_no_resource("/api/relationships/abc"), "its id is text");
}

#[test]
fn handlers_without_operations_give_no_table() {
    assert_eq!(
        RouteTable::from_meta(Vec::new(), &Registry::new()).err(),
        Some(RouteTableError::NoOperations)
    );
}
