//! API clients, API keys, and settings (where earlier versions kept the
//! token signing key and the demo's credentials in plain text).

use serde_json::Value;

use crate::domain::TenantId;
use crate::store::changes::{Change, Fields};
use crate::store::{Engine, Store, from_db_uuid, now, placeholders, to_db_time};

/// The change history's names of clients and API keys (which have no versions: 0).
const CLIENTS: &str = "api_clients";
const KEYS: &str = "api_keys";

/// A client as the change history shows it (never its secret).
fn client_fields(name: &str, scopes: &str, active: bool) -> Fields {
    Fields::from_iter([
        ("name".to_string(), Value::String(name.to_string())),
        ("scopes".to_string(), Value::String(scopes.to_string())),
        ("active".to_string(), Value::Bool(active)),
    ])
}

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
    /// Creates a client (recorded in the change history: never its secret).
    pub async fn client_create(
        &self,
        tenant: TenantId,
        client_id: &str,
        name: &str,
        secret_hash: &str,
        scopes: &[String],
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write(tenant).await?;
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
        .execute(tx.conn())
        .await?;
        tx.record(Change::created(
            CLIENTS,
            client_id,
            0,
            client_fields(name, &scopes.join(" "), true),
        ));
        tx.commit().await
    }

    /// Replaces a client's secret hash and scopes, and enables it (the demo
    /// client is kept in line with its settings). The history records what
    /// it shows of the client that changed (scopes, enabled), never the secret.
    pub async fn client_reset(&self, client_id: &str, secret_hash: &str, scopes: &[String]) -> Result<(), sqlx::Error> {
        let values = [secret_hash.to_string(), scopes.join(" ")];
        self.client_update(client_id, "secret_hash = $2, scopes = $3, active = 1", &values)
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
        self.client_update(client_id, "active = 0", &[]).await
    }

    /// Sets `assignments` (`$1` is the client id, `values` the next ones)
    /// on the client, in a write that records what changed of it; `false`
    /// when there is no such client.
    async fn client_update(&self, client_id: &str, assignments: &str, values: &[String]) -> Result<bool, sqlx::Error> {
        let select = "SELECT tenant_id, name, scopes, active FROM api_clients WHERE client_id = $1";
        let Some((tenant, ..)) = sqlx::query_as::<_, (String, String, String, i64)>(select)
            .bind(client_id)
            .fetch_optional(&mut *self.reader().await?)
            .await?
        else {
            return Ok(false);
        };
        let mut tx = self.begin_write(TenantId(from_db_uuid(&tenant)?)).await?;
        let lock = tx.for_update();
        let row = |(_, name, scopes, active): (String, String, String, i64)| client_fields(&name, &scopes, active != 0);
        let before = sqlx::query_as(&format!("{select}{lock}"))
            .bind(client_id)
            .fetch_one(tx.conn())
            .await
            .map(row)?;
        let update = format!("UPDATE api_clients SET {assignments} WHERE client_id = $1");
        let query = values
            .iter()
            .fold(sqlx::query(&update).bind(client_id), |q, v| q.bind(v.as_str()));
        query.execute(tx.conn()).await?;
        let after = sqlx::query_as(select)
            .bind(client_id)
            .fetch_one(tx.conn())
            .await
            .map(row)?;
        let change = Change::updated(CLIENTS, client_id, 0, &before, after);
        if !change.fields.is_empty() {
            tx.record(change);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Stores an API key by its hash under `key_id`, replacing the key it
    /// had. The history records the key's creation (never the key or its
    /// hash), and its move to another tenant or its enabling.
    pub async fn api_key_put(&self, tenant: TenantId, key_id: &str, key_hash: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write(tenant).await?;
        let lock = tx.for_update();
        let fields = |(tenant, active): (String, i64)| {
            Fields::from_iter([
                ("tenantId".to_string(), Value::String(tenant)),
                ("active".to_string(), Value::Bool(active != 0)),
            ])
        };
        let before: Option<Fields> = sqlx::query_as(&format!(
            "SELECT tenant_id, active FROM api_keys WHERE key_id = $1{lock}"
        ))
        .bind(key_id)
        .fetch_optional(tx.conn())
        .await?
        .map(fields);
        sqlx::query(
            "INSERT INTO api_keys (key_id, tenant_id, key_hash, active, created_at) VALUES ($1, $2, $3, 1, $4) \
             ON CONFLICT (key_id) DO UPDATE SET tenant_id = $2, key_hash = $3, active = 1",
        )
        .bind(key_id)
        .bind(tenant.to_string())
        .bind(key_hash)
        .bind(to_db_time(now()))
        .execute(tx.conn())
        .await?;
        let after = fields((tenant.to_string(), 1));
        let change = match before {
            None => Some(Change::created(KEYS, key_id, 0, after)),
            Some(before) => Some(Change::updated(KEYS, key_id, 0, &before, after)).filter(|c| !c.fields.is_empty()),
        };
        if let Some(change) = change {
            tx.record(change);
        }
        tx.commit().await
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
