//! API clients, API keys, and settings (where earlier versions kept the
//! token signing key and the demo's credentials in plain text).

use crate::domain::TenantId;
use crate::store::{Engine, Store, from_db_uuid, now, placeholders, to_db_time};

/// An API client as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    pub client_id: String,
    pub tenant: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub active: bool,
}

/// A client's credentials as checked at the token endpoint.
#[derive(Debug, Clone)]
pub struct ClientSecret {
    pub tenant: TenantId,
    pub secret_hash: String,
    pub scopes: Vec<String>,
    pub active: bool,
}

/// Where versions before the key file kept the token signing key.
pub const SIGNING_KEY: &str = "token_signing_key";

/// Where versions before hashed demo credentials kept them, in plain text.
pub const PLAIN_DEMO_SECRETS: [&str; 2] = ["demo_client_secret", "demo_api_key"];

fn split_scopes(scopes: &str) -> Vec<String> {
    scopes
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl Store {
    pub async fn client_create(
        &self,
        tenant: TenantId,
        client_id: &str,
        name: &str,
        secret_hash: &str,
        scopes: &[String],
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO api_clients (client_id, tenant_id, name, secret_hash, scopes, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6)",
        )
        .bind(client_id)
        .bind(tenant.to_string())
        .bind(name)
        .bind(secret_hash)
        .bind(scopes.join(" "))
        .bind(to_db_time(now()))
        .execute(&mut *self.reader().await?)
        .await
        .map(|_| ())
    }

    /// Replaces a client's secret hash and scopes (the demo client is kept in line with its settings).
    pub async fn client_reset(&self, client_id: &str, secret_hash: &str, scopes: &[String]) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE api_clients SET secret_hash = $1, scopes = $2, active = 1 WHERE client_id = $3")
            .bind(secret_hash)
            .bind(scopes.join(" "))
            .bind(client_id)
            .execute(&mut *self.reader().await?)
            .await
            .map(|_| ())
    }

    /// Replaces a client's secret hash, if it is still `old` (a legacy hash
    /// rewritten once its secret was presented); `false` when it changed.
    pub async fn client_secret_upgrade(&self, client_id: &str, old: &str, new: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("UPDATE api_clients SET secret_hash = $1 WHERE client_id = $2 AND secret_hash = $3")
            .bind(new)
            .bind(client_id)
            .bind(old)
            .execute(&mut *self.reader().await?)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn client_secret(&self, client_id: &str) -> Result<Option<ClientSecret>, sqlx::Error> {
        let row: Option<(String, String, String, i64)> =
            sqlx::query_as("SELECT tenant_id, secret_hash, scopes, active FROM api_clients WHERE client_id = $1")
                .bind(client_id)
                .fetch_optional(&mut *self.reader().await?)
                .await?;
        row.map(|(tenant, secret_hash, scopes, active)| {
            Ok(ClientSecret {
                tenant: TenantId(from_db_uuid(&tenant)?),
                secret_hash,
                scopes: split_scopes(&scopes),
                active: active != 0,
            })
        })
        .transpose()
    }

    /// The tenant of an active client; `None` when unknown or disabled.
    pub async fn active_client_tenant(&self, client_id: &str) -> Result<Option<TenantId>, sqlx::Error> {
        let tenant: Option<String> =
            sqlx::query_scalar("SELECT tenant_id FROM api_clients WHERE client_id = $1 AND active = 1")
                .bind(client_id)
                .fetch_optional(&mut *self.reader().await?)
                .await?;
        tenant.map(|t| from_db_uuid(&t).map(TenantId)).transpose()
    }

    pub async fn client_list(&self) -> Result<Vec<ClientInfo>, sqlx::Error> {
        let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT c.client_id, t.name, c.name, c.scopes, c.active FROM api_clients c \
             JOIN tenants t ON t.id = c.tenant_id ORDER BY t.name, c.created_at",
        )
        .fetch_all(&mut *self.reader().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(client_id, tenant, name, scopes, active)| ClientInfo {
                client_id,
                tenant,
                name,
                scopes: split_scopes(&scopes),
                active: active != 0,
            })
            .collect())
    }

    /// Disables a client; `false` when there is no such client.
    pub async fn client_disable(&self, client_id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("UPDATE api_clients SET active = 0 WHERE client_id = $1")
            .bind(client_id)
            .execute(&mut *self.reader().await?)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Stores an API key by its hash under `key_id`, replacing the key it had.
    pub async fn api_key_put(&self, tenant: TenantId, key_id: &str, key_hash: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO api_keys (key_id, tenant_id, key_hash, active, created_at) VALUES ($1, $2, $3, 1, $4) \
             ON CONFLICT (key_id) DO UPDATE SET tenant_id = $2, key_hash = $3, active = 1",
        )
        .bind(key_id)
        .bind(tenant.to_string())
        .bind(key_hash)
        .bind(to_db_time(now()))
        .execute(&mut *self.reader().await?)
        .await
        .map(|_| ())
    }

    /// The id and tenant of the active API key with this hash.
    pub async fn api_key_tenant(&self, key_hash: &str) -> Result<Option<(String, TenantId)>, sqlx::Error> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT key_id, tenant_id FROM api_keys WHERE key_hash = $1 AND active = 1")
                .bind(key_hash)
                .fetch_optional(&mut *self.reader().await?)
                .await?;
        row.map(|(key_id, tenant)| Ok((key_id, TenantId(from_db_uuid(&tenant)?))))
            .transpose()
    }

    /// The token signing key as versions before the key file kept it, in
    /// the database (to be moved out: see [`Store::forget_settings`]).
    pub async fn plain_signing_key(&self) -> Result<Option<String>, sqlx::Error> {
        self.setting(SIGNING_KEY).await
    }

    /// Removes the settings `names` (secrets earlier versions kept in plain
    /// text), leaving no copy in the SQLite file: deleted content is
    /// overwritten and the write-ahead log emptied. `true` when one was there.
    pub async fn forget_settings(&self, names: &[&str]) -> Result<bool, sqlx::Error> {
        let mut conn = self.reader().await?;
        let sqlite = self.engine() == Engine::Sqlite;
        if sqlite {
            sqlx::query("PRAGMA secure_delete = ON").execute(&mut *conn).await?;
        }
        let sql = format!("DELETE FROM settings WHERE name IN ({})", placeholders(1, names.len()));
        let deleted = names
            .iter()
            .fold(sqlx::query(&sql), |query, name| query.bind(*name))
            .execute(&mut *conn)
            .await;
        if sqlite {
            sqlx::query("PRAGMA secure_delete = OFF").execute(&mut *conn).await?;
        }
        let deleted = deleted?.rows_affected() > 0;
        if sqlite && deleted {
            // Best effort: a reader in the middle of a read keeps the log.
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await;
        }
        Ok(deleted)
    }

    pub async fn setting(&self, name: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *self.reader().await?)
            .await
    }

    pub async fn setting_put(&self, name: &str, value: &str) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = $2")
            .bind(name)
            .bind(value)
            .execute(&mut *self.reader().await?)
            .await
            .map(|_| ())
    }
}
