//! Users: the setup resource every dialect names people by, and the ways
//! the dialects look one up (by username, by number, by entity id).

use sqlx::Row as _;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::domain::setup::User;
use crate::store::WriteTx;
use crate::store::setup::flag;
use crate::store::setup::records::{Col, Record};

impl Record for User {
    const TABLE: &'static str = "users";
    const NAME: &'static str = "User";
    const COLUMNS: &'static [&'static str] = &["username", "first_name", "last_name", "email", "active"];
    const FIXED_COLUMNS: &'static [&'static str] = &["id"];

    fn columns(&self) -> Vec<Col> {
        vec![
            Col::Text(self.username.clone()),
            Col::Text(self.first_name.clone()),
            Col::Text(self.last_name.clone()),
            Col::Text(self.email.clone()),
            Col::Flag(self.active),
        ]
    }

    fn fixed_columns(&self) -> Vec<Col> {
        vec![Col::Int(self.number)]
    }

    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            number: row.try_get("id")?,
            username: row.try_get("username")?,
            first_name: row.try_get("first_name")?,
            last_name: row.try_get("last_name")?,
            email: row.try_get("email")?,
            active: flag(row, "active")?,
        })
    }
}

impl WriteTx {
    /// The entity id of the tenant's user with this exact username, kept
    /// from changing until this write ends.
    pub async fn user_by_username(&mut self, username: &str) -> Result<Option<Uuid>, sqlx::Error> {
        let user = self
            .record_find::<User>("username", Col::Text(username.to_string()))
            .await?;
        Ok(user.map(|u| u.entity_id))
    }

    /// A user by integer id or by entityId.
    pub async fn user_by_id_or_entity(&mut self, text: &str) -> Result<Option<Uuid>, sqlx::Error> {
        let text = text.trim();
        let found = match (text.parse::<i64>(), Uuid::parse_str(text)) {
            (Ok(number), _) => self.record_find::<User>("id", Col::Int(number)).await?,
            (_, Ok(id)) => self.record_get::<User>(None, id).await?,
            _ => None,
        };
        Ok(found.map(|u| u.entity_id))
    }
}
