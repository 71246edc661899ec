//! The Related users wire: the vendor's bodies and envelopes, and the
//! statuses each operation answers.

use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object};

use super::NAME_MAX;
use super::envelope::RelatedStatus;
use crate::codec::Negotiated;
use crate::codec::text::Text;
use crate::domain::text::{Line, Username};
use crate::store::related_users::RelatedUser as Stored;

crate::wire! {
    /// A related user as the vendor writes it.
    #[derive(Debug, Clone, PartialEq)]
    pub struct RelatedUser {
        /// The related user's id, written as a string (`"6"`).
        pub id: String,
        pub name: String,
        /// The Segura user it is bound to.
        pub username: String,
    }
}

impl From<Stored> for RelatedUser {
    fn from(r: Stored) -> Self {
        Self {
            id: r.id.to_string(),
            name: r.name,
            username: r.username,
        }
    }
}

crate::wire! {
    /// The success envelope with one related user.
    #[derive(Debug, Clone)]
    #[rename_all = "camelCase"]
    pub struct RelatedUserEnvelope {
        /// 200.
        pub code: u16,
        pub response: RelatedStatus,
        pub related_users: RelatedUser,
    }
}

crate::wire! {
    /// The success envelope with every related user.
    #[derive(Debug, Clone)]
    #[rename_all = "camelCase"]
    pub struct RelatedUserListEnvelope {
        /// 200.
        pub code: u16,
        pub response: RelatedStatus,
        pub related_users: Vec<RelatedUser>,
    }
}

crate::wire! {
    /// The success envelope without a related user (deactivation).
    #[derive(Debug, Clone)]
    pub struct RelatedStatusEnvelope {
        /// 200.
        pub code: u16,
        pub response: RelatedStatus,
    }
}

/// The body of `PUT /api/user/related`.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct RelatedUserUpdate {
    /// Unique identification code of the related user: an integer, or a numeric string.
    pub id: i64,
    /// User identification name previously registered in Segura (1-100 of
    /// `A-Z`, `a-z`, `0-9`, `._@-`, as registered). Blank is "not informed" (1001).
    pub username: Text<Username>,
    /// Name assigned to the related user: up to 200 characters on one line,
    /// stored trimmed. Blank is "not informed" (1001).
    pub name: Text<Line<NAME_MAX>>,
}

impl Example for RelatedUserUpdate {
    fn example() -> Self {
        Self {
            id: 6,
            username: "dleite".into(),
            name: "deboraleiteferreira".into(),
        }
    }
}

/// The body of `POST /api/user/related`.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct RelatedUserCreate {
    /// User identification name previously registered in Segura (1-100 of
    /// `A-Z`, `a-z`, `0-9`, `._@-`, as registered). Blank is "not informed" (1001).
    pub username: Text<Username>,
    /// Name assigned to the related user being created: up to 200
    /// characters on one line, stored trimmed. Blank is "not informed" (1001).
    pub name: Text<Line<NAME_MAX>>,
}

impl Example for RelatedUserCreate {
    fn example() -> Self {
        Self {
            username: "dleite".into(),
            name: "deboraleiteferreira".into(),
        }
    }
}

/// How a related user body is read: every parameter optional (and `id` as
/// text), so that each missing one gets its documented 1001 message.
#[derive(Object, Debug, Clone)]
#[oai(deny_unknown_fields)]
pub struct RelatedUserDraft {
    pub id: Option<String>,
    pub username: Option<String>,
    pub name: Option<String>,
}

#[derive(ApiResponse)]
pub enum RelatedUserWritten {
    /// Registered: "Related user successfully registered!".
    #[oai(status = 200)]
    Ok(Negotiated<RelatedUserEnvelope>),
}

#[derive(ApiResponse)]
pub enum RelatedUserUpdated {
    /// Updated. As documented, the HTTP status is 201 while the body says
    /// `code: 200`. `ETag` is the new version.
    #[oai(status = 201)]
    Created(Negotiated<RelatedUserEnvelope>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum RelatedUserFetched {
    /// The related user (`message` is empty); `ETag` is its version,
    /// `Last-Modified` when it last changed.
    #[oai(status = 200)]
    Ok(
        Negotiated<RelatedUserEnvelope>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Last-Modified")] String,
    ),
}

#[derive(ApiResponse)]
pub enum RelatedUsersListed {
    /// A page of active related users: "N related users found"; `Link`
    /// names the next page when there may be one.
    #[oai(status = 200)]
    Ok(
        Negotiated<RelatedUserListEnvelope>,
        #[oai(header = "Link")] Option<String>,
    ),
}

#[derive(ApiResponse)]
pub enum RelatedUserDeactivated {
    /// "Related user successfully deactivated", or "Related user has already been deactivated".
    #[oai(status = 200)]
    Ok(Negotiated<RelatedStatusEnvelope>),
}
