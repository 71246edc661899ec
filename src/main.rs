//! The `liaison` binary: parse the command line, then serve, migrate, write
//! the spec or administer. Everything else lives in the library.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use liaison::config::{Cli, Command, Settings};
use liaison::context::{ApiContext, ContextSettings};
use liaison::demo::{self, DemoSettings};
use liaison::{cli, metrics, server, store::Store, telemetry};

/// mimalloc: measured faster than glibc's allocator under load (README, Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Cli::parse();
    telemetry::init(args.settings.log_format);
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        // The error and its causes on one line; never a backtrace, whatever
        // RUST_BACKTRACE says: these are the operator's errors, not bugs.
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Cli) -> anyhow::Result<()> {
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
        Command::DemoData { relationships } => {
            let store = open_store(settings).await?;
            let added = demo::generate(&store, relationships).await?;
            println!("demo tenant: {added} generated relationships added ({relationships} wanted)");
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
            metrics_on_main: settings.metrics_bind.is_none(),
            client_cache_ttl: std::time::Duration::from_secs(settings.client_cache_ttl),
        },
    )
    .await?;
    let metrics_server = match settings.metrics_bind {
        Some(bind) => Some(metrics::serve(ctx.metrics.clone(), bind).await?),
        None => None,
    };
    let running = server::start(ctx, settings, settings.bind).await?;
    let base = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", running.addr));
    println!("liaison is listening on http://{}", running.addr);
    println!("API docs (Swagger UI): {base}/docs");
    match &metrics_server {
        Some(m) => println!("Metrics (Prometheus): http://{}{}", m.addr, metrics::PATH),
        None => println!("Metrics (Prometheus): {base}{}", metrics::PATH),
    }
    if let Some(demo) = demo {
        println!();
        println!(
            "Demo tenant {:?}: a client with every scope, and an API key for Relationship users \
             (Authorization: Token token=$LIAISON_API_KEY).",
            demo::TENANT
        );
        println!("Paste these lines into a shell, then run scripts/quickstart:");
        println!();
        for line in demo::export_lines(&base, &demo) {
            println!("{line}");
        }
        println!();
        println!(
            "A token: curl -s -u \"$LIAISON_CLIENT_ID:$LIAISON_CLIENT_SECRET\" -d grant_type=client_credentials \
             \"$LIAISON_URL/oauth2/token\""
        );
    }
    server::shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight requests");
    running.shutdown().await?;
    if let Some(metrics_server) = metrics_server {
        metrics_server.shutdown().await?;
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}
