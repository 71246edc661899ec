//! `/api/setup/users`: the people relationships point at (managers, team
//! members, related-user owners).

use poem_openapi::Object;
use poem_openapi::types::Example;
use uuid::Uuid;

use super::{Input, Meta, Resource, WriteContext, setup_api};
use crate::codec::text::Text;
use crate::domain::FieldError;
use crate::domain::setup as domain;
use crate::domain::text::{Email, Line, Username};
use crate::store::setup::records::Stored;

crate::wire! {
    /// A user of the tenant.
    #[derive(Debug, Clone, PartialEq)]
    #[rename_all = "camelCase"]
    pub struct User {
        pub entity_id: Uuid,
        /// The per-tenant integer id (1, 2, ...), assigned at creation.
        pub id: i64,
        /// Unique in the tenant: 1-100 of letters, digits and `._@-`.
        pub username: String,
        pub first_name: String,
        pub last_name: String,
        pub email: String,
        pub active: bool,
        #[flatten]
        pub meta: Meta,
    }
}

impl Resource for User {
    type Data = domain::User;

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            meta: (&s).into(),
            entity_id: s.entity_id,
            id: s.data.number,
            username: s.data.username,
            first_name: s.data.first_name,
            last_name: s.data.last_name,
            email: s.data.email,
            active: s.data.active,
        }
    }
}

/// What a client sends to create or replace a user.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct UserInput {
    /// 1-100 of `A-Z`, `a-z`, `0-9` and `._@-`, as sent.
    pub username: Text<Username>,
    /// 1-100 characters on one line, not blank; stored trimmed.
    pub first_name: Text<Line<100>>,
    /// 1-100 characters on one line, not blank; stored trimmed.
    pub last_name: Text<Line<100>>,
    /// At most 254 characters, no spaces: one `@` with text before it and a
    /// dot after it.
    pub email: Text<Email>,
    /// Defaults to `true` (absent or `null`); `false` deactivates.
    #[oai(nullable)]
    pub active: Option<bool>,
}

impl Example for UserInput {
    fn example() -> Self {
        Self {
            // The demo's user at the path parameter's example id, so that
            // "Try it out" on PUT changes nothing it should not.
            username: "imanager".into(),
            first_name: "Irene".into(),
            last_name: "Internal".into(),
            email: "imanager@example.com".into(),
            active: Some(true),
        }
    }
}

impl Input for UserInput {
    type Data = domain::User;
    const SEQUENCE: Option<&'static str> = Some("users");

    /// The integer id comes from the tenant's sequence on create and never changes.
    fn into_data(self, write: &WriteContext<'_, Self::Data>) -> Result<Self::Data, Vec<FieldError>> {
        let number = write.current.map_or(write.number, |c| c.number);
        domain::User::parse(
            number,
            &self.username,
            &self.first_name,
            &self.last_name,
            &self.email,
            self.active,
        )
    }
}

setup_api! {
    UsersApi, "/api/setup/users", "/", "/:entityId", User, UserInput,
    list: "listUsers", "List users",
    create: "createUser", "Create a user",
    get: "getUser", "Get a user",
    update: "updateUser", "Update a user",
    example: "crate::demo::examples::user",
    unique: "the username",
}
