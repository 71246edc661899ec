//! The `liaison` binary: parse the command line, then serve, migrate, write
//! the spec or administer. Everything else lives in the library.

use anyhow::Context as _;
use clap::Parser;
use liaison::api::{ApiContext, ContextSettings};
use liaison::config::{Cli, Command, Settings};
use liaison::demo::{self, DemoSettings};
use liaison::{cli, server, store::Store, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Cli::parse();
    telemetry::init(args.settings.log_format);
    let settings = &args.settings;
    match args.command.unwrap_or(Command::Serve {
        demo: false,
        demo_client_id: None,
        demo_client_secret: None,
    }) {
        Command::Serve {
            demo,
            demo_client_id,
            demo_client_secret,
        } => {
            let demo = demo.then_some(DemoSettings {
                client_id: demo_client_id,
                client_secret: demo_client_secret,
            });
            serve(settings, demo).await
        }
        Command::Migrate => {
            open_store(settings).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Openapi { out } => {
            let (json, yaml) = liaison::spec(ApiContext::detached());
            std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
            std::fs::write(out.join("openapi.json"), json)?;
            std::fs::write(out.join("openapi.yaml"), yaml)?;
            println!("wrote {0}/openapi.json and {0}/openapi.yaml", out.display());
            Ok(())
        }
        Command::Tenants { action } => cli::tenants(&open_store(settings).await?, action).await,
        Command::Clients { action } => cli::clients(&open_store(settings).await?, action).await,
        Command::Apikeys { action } => cli::apikeys(&open_store(settings).await?, action).await,
    }
}

/// Connects and applies pending migrations.
async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let store = Store::connect(&settings.database_url).await?;
    store.migrate().await?;
    Ok(store)
}

async fn serve(settings: &Settings, demo: Option<DemoSettings>) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let demo = match demo {
        Some(demo_settings) => Some(demo::seed(&store, &demo_settings).await?),
        None => None,
    };
    let ctx = ApiContext::new(
        store.clone(),
        &ContextSettings {
            token_key: settings.token_key.clone(),
            token_ttl: settings.token_ttl,
            public_url: settings.public_url.clone(),
        },
    )
    .await?;
    let running = server::start(ctx, settings, settings.bind).await?;
    let base = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", running.addr));
    println!("liaison is listening on http://{}", running.addr);
    println!("API docs (Swagger UI): {base}/docs");
    if let Some(demo) = demo {
        println!("Demo tenant {:?}: a client with every scope", demo::TENANT);
        println!("  client_id:     {}", demo.client_id);
        println!("  client_secret: {}", demo.client_secret);
        println!(
            "  API key (Relationship users, `Authorization: Token token=<key>`): {}",
            demo.api_key
        );
        println!(
            "  token: curl -s -u '{}:{}' -d grant_type=client_credentials {base}/oauth2/token",
            demo.client_id, demo.client_secret
        );
    }
    server::shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight requests");
    running.shutdown().await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}
