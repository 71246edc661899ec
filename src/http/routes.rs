//! The operations the spec declares, by path template: enough to answer a
//! 405 with the `Allow` header RFC 9110 asks for.

/// Path templates (`/api/setup/organizations/{entityId}`) with their methods.
#[derive(Debug, Default, Clone)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<String>)>,
}

impl RouteTable {
    /// Reads the `paths` object of an OpenAPI document.
    pub fn from_spec(spec: &serde_json::Value) -> Self {
        let routes = spec
            .get("paths")
            .and_then(|p| p.as_object())
            .into_iter()
            .flatten()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_string).collect();
                let mut methods: Vec<String> = item
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(method, _)| method.to_ascii_uppercase())
                    .filter(|m| !matches!(m.as_str(), "PARAMETERS" | "SUMMARY" | "DESCRIPTION" | "SERVERS"))
                    .collect();
                methods.sort();
                (segments, methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods declared for the template `path` matches, sorted.
    pub fn allowed_methods(&self, path: &str) -> Vec<String> {
        let segments: Vec<&str> = path.split('/').collect();
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == segments.len()
                    && template
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| t == s || (t.starts_with('{') && t.ends_with('}') && !s.is_empty()))
            })
            .map(|(_, methods)| methods.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_concrete_paths() {
        let table = RouteTable::from_spec(&serde_json::json!({"paths": {
            "/a/{id}": {"get": {}, "put": {}},
            "/a": {"post": {}, "get": {}},
        }}));
        assert_eq!(table.allowed_methods("/a/42"), ["GET", "PUT"]);
        assert_eq!(table.allowed_methods("/a"), ["GET", "POST"]);
        assert!(table.allowed_methods("/a/42/b").is_empty());
        assert!(table.allowed_methods("/a/").is_empty());
    }
}
