//! The operations the handlers declare, by path template and method: the
//! `Allow` header of a 405, the scopes each operation requires, the
//! operationId that labels its metrics, and the parameters each one
//! declares (their names as clients spell them, and their schemas), which
//! word the errors of parameters that cannot be parsed.
//!
//! Read from poem-openapi's own metadata of the handlers ([`OpenApi::meta`]
//! and its registry), the same the spec is written from.

use poem::http::Method;
use poem_openapi::OpenApi;
use poem_openapi::registry::{MetaApi, MetaParamIn, Registry};
use serde_json::{Map, Value};

use crate::codec::expected::Schemas;

/// One declared operation.
#[derive(Debug, Clone)]
struct Operation {
    method: Method,
    /// The OAuth 2.0 scopes its security requirements list.
    scopes: Vec<String>,
    /// Its `operationId`.
    operation_id: Option<&'static str>,
    /// Its parameters, the path's own included.
    parameters: Vec<Parameter>,
}

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Query,
    Header,
    Path,
    Cookie,
}

/// A declared parameter.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// As clients spell it.
    pub name: String,
    pub location: Location,
    pub required: bool,
    /// As the spec writes it (`$ref`s point into the document's components).
    pub schema: Value,
}

/// Why the handlers give no route table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteTableError {
    #[error("the handlers declare no operations")]
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

/// The handlers' path templates with their operations.
#[derive(Debug, Clone)]
pub struct RouteTable {
    routes: Vec<Route>,
    /// The schemas parameters' `$ref`s name.
    components: Map<String, Value>,
}

impl RouteTable {
    /// The operations of the handlers `A`. Handlers without operations are
    /// refused: an empty table would let every request pass authentication
    /// with any token (see [`RouteTable::required_scopes`]).
    pub fn of<A: OpenApi>() -> Result<Self, RouteTableError> {
        let mut registry = Registry::new();
        A::register(&mut registry);
        Self::from_meta(A::meta(), &registry)
    }

    fn from_meta(apis: Vec<MetaApi>, registry: &Registry) -> Result<Self, RouteTableError> {
        let mut routes: Vec<Route> = Vec::new();
        for path in apis.into_iter().flat_map(|api| api.paths) {
            let segments: Vec<String> = path.path.split('/').map(str::to_string).collect();
            let index = match routes.iter().position(|r| r.segments == segments) {
                Some(index) => index,
                None => {
                    routes.push(Route {
                        segments,
                        operations: Vec::new(),
                        integers: Vec::new(),
                    });
                    routes.len() - 1
                }
            };
            let route = &mut routes[index];
            for op in path.operations {
                let parameters: Vec<Parameter> = op
                    .params
                    .iter()
                    .map(|p| Parameter {
                        name: p.name.clone(),
                        location: match p.in_type {
                            MetaParamIn::Query => Location::Query,
                            MetaParamIn::Header => Location::Header,
                            MetaParamIn::Path => Location::Path,
                            MetaParamIn::Cookie | MetaParamIn::CookiePrivate | MetaParamIn::CookieSigned => {
                                Location::Cookie
                            }
                        },
                        required: p.required,
                        schema: serde_json::to_value(&p.schema).unwrap_or_default(),
                    })
                    .collect();
                for p in &parameters {
                    if p.location == Location::Path
                        && p.schema["type"] == "integer"
                        && !route.integers.contains(&p.name)
                    {
                        route.integers.push(p.name.clone());
                    }
                }
                let mut scopes: Vec<String> = op
                    .security
                    .iter()
                    .flat_map(|requirement| requirement.values())
                    .flatten()
                    .map(|scope| scope.to_string())
                    .collect();
                scopes.sort();
                scopes.dedup();
                route.operations.push(Operation {
                    method: op.method,
                    scopes,
                    operation_id: op.operation_id,
                    parameters,
                });
            }
            route
                .operations
                .sort_by(|a, b| a.method.as_str().cmp(b.method.as_str()));
        }
        if routes.iter().all(|route| route.operations.is_empty()) {
            return Err(RouteTableError::NoOperations);
        }
        let components = match serde_json::to_value(&registry.schemas) {
            Ok(Value::Object(components)) => components,
            _ => Map::new(),
        };
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
        self.operations(path).iter().map(|o| o.method.to_string()).collect()
    }

    /// The operation at `method path`. `HEAD` is answered by the `GET`
    /// handler, so it is `GET`'s operation.
    fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        let method = if method == "HEAD" { "GET" } else { method };
        self.operations(path).iter().find(|o| o.method.as_str() == method)
    }

    /// The scopes the operation at `method path` requires; `None` when the
    /// spec declares no such operation, which authentication refuses.
    pub fn required_scopes(&self, method: &str, path: &str) -> Option<Vec<String>> {
        self.operation(method, path).map(|o| o.scopes.clone())
    }

    /// The `operationId` of the operation at `method path`, if the spec declares one.
    pub fn operation_id(&self, method: &str, path: &str) -> Option<&str> {
        self.operation(method, path)?.operation_id
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

/// `name` for a template segment `{name}`.
fn parameter_name(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

#[cfg(test)]
mod tests;
