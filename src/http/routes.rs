//! The operations the spec declares, by path template and method: the
//! `Allow` header of a 405, the scopes each operation requires, the
//! operationId that labels its metrics, and the parameters each one
//! declares (their names as clients spell them, and their schemas), which
//! word the errors of parameters that cannot be parsed.

use serde_json::{Map, Value};

use crate::http::expected::Schemas;

/// One declared operation.
#[derive(Debug, Clone)]
struct Operation {
    method: String,
    /// The OAuth 2.0 scopes its security requirement lists.
    scopes: Vec<String>,
    /// Its `operationId`.
    operation_id: Option<String>,
    /// Its parameters, the path's own included.
    parameters: Vec<Parameter>,
}

/// A declared parameter.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// As clients spell it.
    pub name: String,
    /// `path`, `query`, `header` or `cookie`.
    pub location: String,
    pub required: bool,
    /// As the spec writes it (`$ref`s point into the document's components).
    pub schema: Value,
}

impl Parameter {
    fn read(value: &Value) -> Option<Self> {
        Some(Self {
            name: value.get("name")?.as_str()?.to_string(),
            location: value.get("in")?.as_str()?.to_string(),
            required: value.get("required").and_then(Value::as_bool).unwrap_or(false),
            schema: value.get("schema").cloned().unwrap_or(Value::Null),
        })
    }
}

fn parameters_of(item: &Value) -> impl Iterator<Item = Parameter> + '_ {
    item.get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Parameter::read)
}

/// Why an OpenAPI document gives no route table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteTableError {
    #[error("the OpenAPI document has no `paths` object")]
    NoPaths,
    #[error("the OpenAPI document declares no operations")]
    NoOperations,
}

/// One path template (`/api/setup/organizations/{entityId}`) with its operations.
#[derive(Debug, Clone)]
struct Route {
    segments: Vec<String>,
    operations: Vec<Operation>,
    /// Path parameters declared as integers (ids such as `{id}`).
    integers: Vec<String>,
}

/// The spec's path templates with their operations.
#[derive(Debug, Clone)]
pub struct RouteTable {
    routes: Vec<Route>,
    /// The document's component schemas, which parameters' `$ref`s name.
    components: Map<String, Value>,
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

impl RouteTable {
    /// Reads the `paths` object of an OpenAPI document. A document without
    /// operations is refused: an empty table would let every request pass
    /// authentication with any token (see [`RouteTable::required_scopes`]).
    pub fn from_spec(spec: &serde_json::Value) -> Result<Self, RouteTableError> {
        let paths = spec
            .get("paths")
            .and_then(|p| p.as_object())
            .ok_or(RouteTableError::NoPaths)?;
        let routes: Vec<Route> = paths
            .iter()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_string).collect();
                let integers = integer_path_parameters(item);
                let mut operations: Vec<Operation> = item
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(method, _)| METHODS.contains(&method.as_str()))
                    .map(|(method, op)| Operation {
                        method: method.to_ascii_uppercase(),
                        scopes: scopes_of(op),
                        operation_id: op.get("operationId").and_then(|id| id.as_str()).map(str::to_string),
                        parameters: parameters_of(item).chain(parameters_of(op)).collect(),
                    })
                    .collect();
                operations.sort_by(|a, b| a.method.cmp(&b.method));
                Route {
                    segments,
                    operations,
                    integers,
                }
            })
            .collect();
        if routes.iter().all(|route| route.operations.is_empty()) {
            return Err(RouteTableError::NoOperations);
        }
        let components = spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        Ok(Self { routes, components })
    }

    /// The template `path` matches, with its operations.
    fn matching(&self, path: &str) -> Option<&Route> {
        let segments: Vec<&str> = path.split('/').collect();
        self.routes.iter().find(|route| {
            route.segments.len() == segments.len()
                && route
                    .segments
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (parameter_name(t).is_some() && !s.is_empty()))
        })
    }

    fn operations(&self, path: &str) -> &[Operation] {
        self.matching(path)
            .map(|route| route.operations.as_slice())
            .unwrap_or_default()
    }

    /// Whether `path` is one of the spec's paths.
    pub fn knows(&self, path: &str) -> bool {
        self.matching(path).is_some()
    }

    /// The path parameters of `path` by name, as sent (still percent-encoded).
    pub fn path_parameters<'p>(&self, path: &'p str) -> Vec<(&str, &'p str)> {
        self.matching(path)
            .map(|route| {
                route
                    .segments
                    .iter()
                    .zip(path.split('/'))
                    .filter_map(|(t, s)| Some((parameter_name(t)?, s)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether `path` fits a template only by giving an integer parameter
    /// something that is not an integer (`/api/user/related/abc`): such a
    /// URL names no resource.
    pub fn names_no_resource(&self, path: &str) -> bool {
        let Some(route) = self.matching(path) else {
            return false;
        };
        self.path_parameters(path)
            .iter()
            .any(|(name, value)| route.integers.iter().any(|i| i == name) && value.parse::<i64>().is_err())
    }

    /// The methods declared for the template `path` matches, sorted.
    pub fn allowed_methods(&self, path: &str) -> Vec<String> {
        self.operations(path).iter().map(|o| o.method.clone()).collect()
    }

    /// The operation at `method path`. `HEAD` is answered by the `GET`
    /// handler, so it is `GET`'s operation.
    fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        let method = if method == "HEAD" { "GET" } else { method };
        self.operations(path).iter().find(|o| o.method == method)
    }

    /// The scopes the operation at `method path` requires; `None` when the
    /// spec declares no such operation, which authentication refuses.
    pub fn required_scopes(&self, method: &str, path: &str) -> Option<Vec<String>> {
        self.operation(method, path).map(|o| o.scopes.clone())
    }

    /// The `operationId` of the operation at `method path`, if the spec declares one.
    pub fn operation_id(&self, method: &str, path: &str) -> Option<&str> {
        self.operation(method, path)?.operation_id.as_deref()
    }

    /// The parameters the operation at `method path` declares.
    pub fn parameters(&self, method: &str, path: &str) -> &[Parameter] {
        self.operation(method, path)
            .map(|o| o.parameters.as_slice())
            .unwrap_or_default()
    }

    /// The document's schemas, to describe a parameter's in words.
    pub fn schemas(&self) -> Schemas<'_> {
        Schemas::new(&self.components)
    }
}

/// The path parameters any operation of a path item declares as integers.
fn integer_path_parameters(item: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = item
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, op)| op.get("parameters")?.as_array())
        .flatten()
        .filter(|p| p["in"] == "path" && p["schema"]["type"] == "integer")
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `name` for a template segment `{name}`.
fn parameter_name(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

/// Every scope named by the operation's security requirements.
fn scopes_of(operation: &serde_json::Value) -> Vec<String> {
    let mut scopes: Vec<String> = operation
        .get("security")
        .and_then(|s| s.as_array())
        .into_iter()
        .flatten()
        .filter_map(|requirement| requirement.as_object())
        .flat_map(|requirement| requirement.values())
        .filter_map(|names| names.as_array())
        .flatten()
        .filter_map(|name| name.as_str().map(str::to_string))
        .collect();
    scopes.sort();
    scopes.dedup();
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_concrete_paths() {
        let table = RouteTable::from_spec(&serde_json::json!({"paths": {
            "/a/{id}": {"get": {"security": [{"oauth2": ["a.read"]}], "operationId": "getA",
                                "parameters": [{"name": "q", "in": "query", "schema": {"type": "integer"}}]},
                        "put": {}, "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]},
            "/a": {"post": {}, "get": {}},
        }}))
        .expect("a table");
        assert_eq!(table.allowed_methods("/a/42"), ["GET", "PUT"]);
        assert_eq!(table.allowed_methods("/a"), ["GET", "POST"]);
        assert!(table.allowed_methods("/a/42/b").is_empty());
        assert!(table.allowed_methods("/a/").is_empty());
        assert_eq!(table.path_parameters("/a/4%202"), [("id", "4%202")]);
        assert!(table.path_parameters("/a").is_empty());
        assert_eq!(table.required_scopes("GET", "/a/1"), Some(vec!["a.read".to_string()]));
        assert_eq!(table.required_scopes("PUT", "/a/1"), Some(vec![]));
        assert_eq!(
            table.required_scopes("HEAD", "/a/1"),
            Some(vec!["a.read".to_string()]),
            "HEAD runs the GET handler"
        );
        assert_eq!(table.operation_id("GET", "/a/1"), Some("getA"));
        assert_eq!(table.operation_id("HEAD", "/a/1"), Some("getA"));
        assert_eq!(
            table.operation_id("PUT", "/a/1"),
            None,
            "declared without an operationId"
        );
        assert_eq!(table.operation_id("DELETE", "/a/1"), None);
        assert_eq!(table.operation_id("GET", "/b"), None);
        let names = |method| {
            table
                .parameters(method, "/a/1")
                .iter()
                .map(|p| (p.name.as_str(), p.location.as_str(), p.required))
                .collect::<Vec<_>>()
        };
        assert_eq!(names("GET"), [("id", "path", true), ("q", "query", false)]);
        assert_eq!(names("PUT"), [("id", "path", true)]);
        assert!(table.parameters("GET", "/b").is_empty());
    }

    #[test]
    fn undeclared_operations_have_no_scopes_to_pass() {
        let table = RouteTable::from_spec(&serde_json::json!({"paths": {"/a": {"get": {}}}})).expect("a table");
        assert_eq!(table.required_scopes("DELETE", "/a"), None);
        assert_eq!(table.required_scopes("GET", "/b"), None);
    }

    #[test]
    fn a_document_without_operations_gives_no_table() {
        assert_eq!(
            RouteTable::from_spec(&serde_json::json!({})).err(),
            Some(RouteTableError::NoPaths)
        );
        assert_eq!(
            RouteTable::from_spec(&serde_json::json!({"paths": {"/a": {"parameters": []}}})).err(),
            Some(RouteTableError::NoOperations)
        );
    }
}
