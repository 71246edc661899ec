//! The `liaison` binary: parse the command line, then serve, migrate or
//! write the spec. Everything else lives in the library.

use anyhow::Context as _;
use clap::Parser;
use liaison::config::{Cli, Command};
use liaison::{AppConfig, api, server, store::Store, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(cli.settings.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.settings).await,
        Command::Migrate => {
            let store = Store::connect(&cli.settings.database_url).await?;
            store.migrate().await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Openapi { out } => {
            let (json, yaml) = liaison::spec(api::ApiContext::detached());
            std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
            std::fs::write(out.join("openapi.json"), json)?;
            std::fs::write(out.join("openapi.yaml"), yaml)?;
            println!("wrote {0}/openapi.json and {0}/openapi.yaml", out.display());
            Ok(())
        }
    }
}

async fn serve(settings: &liaison::config::Settings) -> anyhow::Result<()> {
    let store = Store::connect(&settings.database_url).await?;
    store.migrate().await?;
    let ctx = api::ApiContext::new(store.clone()).await?;
    let config = AppConfig {
        body_limit: settings.body_limit,
        public_url: settings.public_url.clone(),
    };
    let running = server::start(ctx, &config, settings.bind).await?;
    let base = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", running.addr));
    println!("liaison is listening on http://{}", running.addr);
    println!("API docs (Swagger UI): {base}/docs");
    tracing::info!(addr = %running.addr, "listening");
    server::shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight requests");
    running.shutdown().await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}
