//! The wiring: the command line's commands, the service's start and stop,
//! and the HTTP application (routes, docs, metrics, the front line) that
//! `main`, the tests and the spec writer share.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Endpoint, EndpointExt, Route};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::cli;
use crate::config::{Cli, ClientsAction, Command, ServeSettings, Settings, TenantsAction};
use crate::context::{ApiContext, ContextSettings};
use crate::demo::{self, DemoSettings};
use crate::dialects;
use crate::document::routes::RouteTable;
use crate::edge::connection::GuardedAcceptor;
use crate::edge::cors::Cors;
use crate::edge::frontline::Frontline;
use crate::metrics;
use crate::server::{self, ServerSettings};
use crate::store::{Engine, Store, sqlite_file};
use crate::telemetry;
use crate::webhooks::WebhookSettings;
use crate::webhooks::dispatch::Dispatcher;

/// Runs one command of the command line (`serve` when none is given).
pub async fn run(args: Cli) -> anyhow::Result<()> {
    telemetry::init(args.settings.log_format);
    let settings = &args.settings;
    let command = match args.command {
        Some(command) => command,
        None => Command::Serve {
            settings: Box::new(ServeSettings::from_env()?),
            demo: false,
            demo_client_id: None,
            demo_client_secret: None,
        },
    };
    match command {
        Command::Serve {
            settings: server,
            demo,
            demo_client_id,
            demo_client_secret,
        } => {
            let demo = demo.then_some(DemoSettings {
                client_id: demo_client_id,
                client_secret: demo_client_secret,
            });
            serve(settings, &server, demo).await
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
            let document = dialects::document(&dialects::service(ApiContext::detached()))?;
            std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
            let files = [
                ("openapi.json".to_string(), document.json),
                ("openapi.yaml".to_string(), document.yaml),
            ];
            let schemas = document.xsd.into_iter().map(|file| (file.name, file.text));
            for (name, text) in files.into_iter().chain(schemas) {
                let path = out.join(&name);
                std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
                println!("wrote {}", path.display());
            }
            Ok(())
        }
        Command::Tenants { action } => {
            let reads = matches!(action, TenantsAction::List);
            cli::tenants(&open_admin_store(settings, reads).await?, action).await
        }
        Command::Clients { action } => {
            let reads = matches!(action, ClientsAction::List);
            cli::clients(&open_admin_store(settings, reads).await?, action).await
        }
        Command::Apikeys { action } => cli::apikeys(&open_admin_store(settings, false).await?, action).await,
        Command::Keys { action } => {
            // The key settings are shared; the server's are not used.
            let context = context_settings(settings, &ServeSettings::from_env()?);
            // Said before connecting: a PostgreSQL deployment without a key file.
            let sqlite = (Engine::of_url(&settings.database_url) == Engine::Sqlite)
                .then(|| sqlite_file(&settings.database_url).ok().map(Path::new))
                .flatten();
            context.key_source(sqlite)?;
            cli::keys(&open_store(settings).await?, &context, action).await
        }
    }
}

/// Connects and applies pending migrations.
async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let store = Store::connect_with(&settings.database_url, settings.database_pool).await?;
    store.migrate().await?;
    Ok(store)
}

/// [`open_store`] for an operator's command. A command that only `reads`
/// never creates a database (a SQLite file that is not there is an error
/// naming it, not a new empty database) and says which one it opened, as
/// what it lists is that database's.
async fn open_admin_store(settings: &Settings, reads: bool) -> anyhow::Result<Store> {
    if reads && Engine::of_url(&settings.database_url) == Engine::Sqlite {
        let file = sqlite_file(&settings.database_url).map_err(anyhow::Error::msg)?;
        anyhow::ensure!(
            Path::new(file).exists(),
            "no database at {file}: nothing to list (`liaison serve` creates it; --database-url or \
             LIAISON_DATABASE_URL names another)"
        );
    }
    let store = open_store(settings).await?;
    if reads {
        eprintln!("using {}", store.describe());
    }
    Ok(store)
}

/// What an [`ApiContext`] is made from, as the command line says.
fn context_settings(settings: &Settings, server: &ServeSettings) -> ContextSettings {
    ContextSettings {
        token_key: settings.token_key.clone(),
        token_key_file: settings.token_key_file.clone(),
        token_ttl: settings.token_ttl,
        public_url: server.public_url.clone(),
        metrics_on_main: server.metrics_bind.is_none(),
        client_cache_ttl: std::time::Duration::from_secs(server.client_cache_ttl),
        webhooks: WebhookSettings {
            allow_private: server.webhooks_allow_private,
            timeout: Duration::from_secs(server.webhooks_timeout),
            retry_schedule: server
                .webhooks_retry_schedule
                .iter()
                .map(|s| Duration::from_secs(*s))
                .collect(),
        },
    }
}

async fn serve(settings: &Settings, server: &ServeSettings, demo: Option<DemoSettings>) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let context = context_settings(settings, server);
    // A deployment without a key it can use stops before seeding anything.
    context.key_source(store.sqlite_path())?;
    let ctx = ApiContext::new(store.clone(), &context).await?;
    let demo = match demo {
        Some(demo_settings) => Some(demo::seed(&store, &demo_settings).await?),
        None => None,
    };
    store.keep_changes_for(std::time::Duration::from_secs(server.changes_retention_days * 86_400));
    let pruning = store.prune_changes_in_background();
    let metrics_server = match server.metrics_bind {
        Some(bind) => Some(metrics::serve(ctx.metrics.clone(), bind).await?),
        None => None,
    };
    let running = start(ctx, server, server.bind).await?;
    let base = server
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
    pruning.abort();
    if let Some(metrics_server) = metrics_server {
        metrics_server.shutdown().await?;
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The OpenAPI document as JSON and YAML, exactly as served.
pub fn spec(ctx: ApiContext) -> anyhow::Result<(String, String)> {
    let document = dialects::document(&dialects::service(ctx))?;
    Ok((document.json, document.yaml))
}

/// The XML Schemas of the XML bodies (file name and text), exactly as served
/// under `/schemas/`.
pub fn xml_schemas(ctx: ApiContext) -> anyhow::Result<Vec<(String, String)>> {
    let document = dialects::document(&dialects::service(ctx))?;
    Ok(document.xsd.into_iter().map(|file| (file.name, file.text)).collect())
}

/// The whole HTTP application. The scopes each operation requires are read
/// from the handlers' metadata; handlers that declare none stop start-up
/// rather than leave operations unguarded.
pub fn app(ctx: ApiContext, settings: &ServerSettings) -> anyhow::Result<impl Endpoint + 'static> {
    let ctx = ctx.with_token_throttle(settings.token_failures);
    let auth = ctx.auth.clone();
    let (metrics, metrics_on_main, store) = (ctx.metrics.clone(), ctx.metrics_on_main, ctx.store.clone());
    let service = dialects::service(ctx);
    let document = dialects::document(&service)?;
    let routes = RouteTable::of::<dialects::Apis>().context("the handlers give no route table")?;
    let route = Route::new()
        .at("/openapi.json", document.json_endpoint())
        .at("/openapi.yaml", document.yaml_endpoint())
        .nest(crate::document::SCHEMAS_PATH, document.xsd_endpoint())
        .nest("/docs", document.swagger_ui(&service)?)
        .at("/favicon.ico", crate::document::favicon())
        .nest("/", service);
    let route = if metrics_on_main {
        route.at(metrics::PATH, metrics::endpoint(metrics.clone()))
    } else {
        route
    };
    let frontline = Frontline::new(
        route.data(auth).map_to_response(),
        settings.body_limit,
        settings.body_timeout,
        routes,
        dialects::DIALECTS,
    )
    .with_metrics(metrics)
    .with_idempotency(store);
    Cors::new(frontline, &settings.cors_origins)
}

/// A server accepting connections in the background, with the webhook
/// dispatcher beside it (stopped with it, or when this is dropped).
pub struct RunningServer {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    _dispatcher: Background,
}

/// A background task, aborted when dropped.
struct Background(JoinHandle<()>);

impl Drop for Background {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Binds `bind` (port 0 picks a free port) and serves the app until stopped.
pub async fn start(
    ctx: ApiContext,
    settings: impl Into<ServerSettings>,
    bind: SocketAddr,
) -> anyhow::Result<RunningServer> {
    let mut settings: ServerSettings = settings.into();
    settings.connections.max_connections = server::within_open_file_limit(settings.connections.max_connections);
    let dispatcher = Dispatcher::new(ctx.store.clone(), (*ctx.webhooks).clone())?;
    let app = app(ctx, &settings)?;
    let acceptor = TcpListener::bind(bind.to_string())
        .into_acceptor()
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let acceptor = GuardedAcceptor::new(acceptor, settings.connections, dialects::DIALECTS);
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .context("the listener has no socket address")?;
    let (stop, stopped) = oneshot::channel::<()>();
    let server = poem::Server::new_with_acceptor(acceptor).run_with_graceful_shutdown(
        app,
        async move {
            let _ = stopped.await;
        },
        Some(server::GRACE),
    );
    Ok(RunningServer {
        addr,
        stop,
        task: tokio::spawn(server),
        _dispatcher: Background(dispatcher.start()),
    })
}

impl RunningServer {
    /// Stops accepting connections, lets in-flight requests finish, and waits.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await.context("the server task panicked")??;
        Ok(())
    }
}
