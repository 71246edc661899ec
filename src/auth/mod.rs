//! Who is calling: API clients of a tenant, their OAuth 2.0 scopes, signed
//! access tokens and hashed secrets. No HTTP here (see `api::auth`).

pub mod keys;
pub mod secret;
pub mod standing;
pub mod throttle;
pub mod token;

use poem_openapi::OAuthScopes;

use crate::domain::TenantId;

/// Every scope an operation can require. The names are the wire names.
#[derive(OAuthScopes, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Read risk relationships.
    #[oai(rename = "riskassess.relationship.read")]
    RelationshipRead,
    /// Create and update risk relationships.
    #[oai(rename = "riskassess.relationship.write")]
    RelationshipWrite,
    /// Read related users.
    #[oai(rename = "users.related.read")]
    RelatedRead,
    /// Create, update and deactivate related users.
    #[oai(rename = "users.related.write")]
    RelatedWrite,
    /// Create, update and delete relationship users.
    #[oai(rename = "relationship_users.write")]
    RelationshipUsersWrite,
    /// Read tenant setup data.
    #[oai(rename = "setup.read")]
    SetupRead,
    /// Create and update tenant setup data.
    #[oai(rename = "setup.write")]
    SetupWrite,
    /// Follow the tenant's change history (`/api/changes`).
    #[oai(rename = "changes.read")]
    ChangesRead,
}

impl Scope {
    /// Every scope's wire name.
    pub fn all_names() -> Vec<&'static str> {
        <Scope as OAuthScopes>::meta().iter().map(|s| s.name).collect()
    }

    pub fn is_known(name: &str) -> bool {
        Self::all_names().contains(&name)
    }
}

/// Parses a space-separated scope list (RFC 6749 section 3.3): every name
/// must be known; duplicates collapse; order is kept.
pub fn parse_scopes(text: &str) -> Result<Vec<String>, String> {
    let mut scopes: Vec<String> = Vec::new();
    for name in text.split([' ', ',']).filter(|s| !s.is_empty()) {
        if !Scope::is_known(name) {
            return Err(format!(
                "unknown scope {name:?}; the scopes are: {}",
                Scope::all_names().join(", ")
            ));
        }
        if !scopes.iter().any(|s| s == name) {
            scopes.push(name.to_string());
        }
    }
    Ok(scopes)
}

/// How the caller proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An OAuth 2.0 client, by its client id.
    Client(String),
    /// A Relationship-users API key, by its id.
    ApiKey(String),
}

/// An authenticated caller: a credential of one tenant, with its scopes.
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant: TenantId,
    pub credential: Credential,
    pub scopes: Vec<String>,
}

impl Principal {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// A stable name of the credential, recorded as a row's creator.
    pub fn actor(&self) -> String {
        match &self.credential {
            Credential::Client(id) => format!("client:{id}"),
            Credential::ApiKey(id) => format!("apikey:{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_lists_parse_strictly() {
        assert_eq!(
            parse_scopes("setup.read  setup.read setup.write"),
            Ok(vec!["setup.read".to_string(), "setup.write".to_string()])
        );
        assert!(parse_scopes("setup.read admin").is_err());
        assert_eq!(parse_scopes(""), Ok(vec![]));
        assert_eq!(Scope::all_names().len(), 8);
    }
}
