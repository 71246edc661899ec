//! The administrative subcommands: tenants, clients, API keys, token keys.

use anyhow::{Context as _, bail};

use crate::auth::keys::{GRACE_SLACK, KeyFile};
use crate::auth::secret::{hash_api_key, hash_secret, random_token};
use crate::auth::{Scope, parse_scopes};
use crate::config::{ApikeysAction, ClientsAction, KeysAction, TenantsAction};
use crate::context::{ContextSettings, KeySource, token_keys};
use crate::domain::TenantId;
use crate::store::Store;

async fn tenant(store: &Store, name: &str) -> anyhow::Result<TenantId> {
    store
        .tenant_by_name(name)
        .await?
        .with_context(|| format!("no tenant named {name:?} (create it with `liaison tenants create {name}`)"))
}

pub async fn tenants(store: &Store, action: TenantsAction) -> anyhow::Result<()> {
    match action {
        TenantsAction::Create { name } => {
            let name = name.trim();
            if name.is_empty() || name.len() > 100 {
                bail!("a tenant name is 1-100 characters");
            }
            // Creating an existing tenant is not an error (scripts may
            // provision twice), but it is said, and nothing changes.
            match store.tenant_create(name).await? {
                Some(id) => println!("tenant {name} created ({id})"),
                None => {
                    let existing = store
                        .tenant_info(name)
                        .await?
                        .with_context(|| format!("tenant {name:?} vanished while being created"))?;
                    println!(
                        "tenant {name} already exists ({}, created {}); nothing changed",
                        existing.id,
                        existing.created_at.format("%Y-%m-%d %H:%M:%S UTC")
                    );
                }
            }
        }
        TenantsAction::List => {
            let rows = store
                .tenant_list()
                .await?
                .into_iter()
                .map(|t| {
                    vec![
                        t.name,
                        t.id.to_string(),
                        t.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                    ]
                })
                .collect();
            print!("{}", table(&["NAME", "ID", "CREATED"], rows));
        }
    }
    Ok(())
}

pub async fn clients(store: &Store, action: ClientsAction) -> anyhow::Result<()> {
    match action {
        ClientsAction::Create {
            tenant: tenant_name,
            scopes,
            name,
        } => {
            let tenant = tenant(store, &tenant_name).await?;
            let scopes = match scopes {
                Some(text) => parse_scopes(&text).map_err(anyhow::Error::msg)?,
                None => Scope::all_names().into_iter().map(str::to_string).collect(),
            };
            if scopes.is_empty() {
                bail!("a client needs at least one scope");
            }
            let client_id = format!("lc-{}", random_token(12));
            let secret = random_token(32);
            store
                .client_create(tenant, &client_id, &name, &hash_secret(&secret)?, &scopes)
                .await?;
            println!("client_id:     {client_id}");
            println!("client_secret: {secret}");
            println!("scopes:        {}", scopes.join(" "));
            println!("(the secret is shown only now; liaison keeps only its hash)");
        }
        ClientsAction::List => {
            let rows = store
                .client_list()
                .await?
                .into_iter()
                .map(|c| {
                    let state = if c.active { "active" } else { "disabled" };
                    vec![c.client_id, c.tenant, state.to_string(), c.name, c.scopes.join(" ")]
                })
                .collect();
            print!("{}", table(&["CLIENT_ID", "TENANT", "STATE", "NAME", "SCOPES"], rows));
        }
        ClientsAction::Disable { client_id } => {
            if !store.client_disable(&client_id).await? {
                bail!("no client {client_id:?}");
            }
            println!("client {client_id} disabled; its tokens no longer work");
        }
    }
    Ok(())
}

pub async fn apikeys(store: &Store, action: ApikeysAction) -> anyhow::Result<()> {
    match action {
        ApikeysAction::Create { tenant: tenant_name } => {
            let tenant = tenant(store, &tenant_name).await?;
            let (key_id, key) = (uuid::Uuid::new_v4().to_string(), random_token(32));
            store.api_key_put(tenant, &key_id, &hash_api_key(&key)).await?;
            println!("key_id:  {key_id}");
            println!("api_key: {key}");
            println!("send it as: Authorization: Token token={key}");
        }
    }
    Ok(())
}

pub async fn keys(store: &Store, settings: &ContextSettings, action: KeysAction) -> anyhow::Result<()> {
    match action {
        KeysAction::Rotate => {
            let path = match settings.key_source(store.sqlite_path())? {
                KeySource::File(path) => path,
                KeySource::Given(_) => bail!(
                    "the token key is given by --token-key (LIAISON_TOKEN_KEY), so there is no key file to rotate: \
                     use a key file (--token-key-file PATH) to rotate keys without downtime"
                ),
            };
            // The key file as the server would find it (created, or with a
            // key from the database moved in), then rotated.
            token_keys(store, settings).await?;
            let before = KeyFile::read(&path)?;
            let retired = before.current_kid().to_string();
            let now = chrono::Utc::now();
            let rotated = before.rotate(now);
            rotated.replace(&path)?;
            let until = now + chrono::Duration::seconds(settings.token_ttl + GRACE_SLACK);
            println!("key file:  {}", path.display());
            println!(
                "new key:   {} (signs from now on; running instances pick it up within a second)",
                rotated.current_kid()
            );
            println!(
                "retired:   {retired} (still verifies its tokens until {}, one token lifetime of {} s from now)",
                until.format("%Y-%m-%d %H:%M:%S UTC"),
                settings.token_ttl
            );
        }
    }
    Ok(())
}

/// Rows under a header, each column as wide as its widest cell, two spaces
/// apart (the last column unpadded). The header is printed even with no rows.
fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header = header.iter().map(|h| h.to_string()).collect();
    let mut out = String::new();
    for row in std::iter::once(header).chain(rows) {
        let last = row.len().saturating_sub(1);
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i == last {
                out.push_str(cell);
            } else {
                let pad = width.saturating_sub(cell.chars().count());
                out.push_str(cell);
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_their_columns_under_a_header() {
        let rows = vec![
            vec!["acme".to_string(), "1".to_string(), "x y".to_string()],
            vec!["a".to_string(), "22222".to_string(), "z".to_string()],
        ];
        assert_eq!(
            table(&["NAME", "ID", "SCOPES"], rows),
            "NAME  ID     SCOPES\nacme  1      x y\na     22222  z\n"
        );
        assert_eq!(table(&["NAME", "ID"], vec![]), "NAME  ID\n");
    }
}
