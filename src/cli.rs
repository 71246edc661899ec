//! The administrative subcommands: tenants, clients, API keys.

use anyhow::{Context as _, bail};

use crate::auth::secret::{hash_secret, random_token};
use crate::auth::{Scope, parse_scopes};
use crate::config::{ApikeysAction, ClientsAction, TenantsAction};
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
            let id = store.ensure_tenant(name).await?;
            println!("tenant {name} ({id})");
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
            for c in store.client_list().await? {
                let state = if c.active { "active" } else { "disabled" };
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    c.client_id,
                    c.tenant,
                    state,
                    c.name,
                    c.scopes.join(" ")
                );
            }
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
            let (key_id, key) = store.api_key_create(tenant).await?;
            println!("key_id:  {key_id}");
            println!("api_key: {key}");
            println!("send it as: Authorization: Token token={key}");
        }
    }
    Ok(())
}
