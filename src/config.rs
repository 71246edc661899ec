//! Typed configuration: command-line flags, each with a `LIAISON_*`
//! environment fallback. Bad values and unknown flags end the process with a
//! clear message and exit code 2 (clap's usage-error code).

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// liaison: a relationship registry served over HTTP.
#[derive(Debug, Parser)]
#[command(name = "liaison", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl ServeSettings {
    /// The defaults, with the `LIAISON_*` variables that are set: what
    /// `serve` takes when none of its flags is given.
    pub fn from_env() -> Result<Self, clap::Error> {
        match Cli::try_parse_from(["liaison", "serve"])?.command {
            Some(Command::Serve { settings, .. }) => Ok(*settings),
            _ => unreachable!("`liaison serve` parses as serve"),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (the default).
    Serve {
        #[command(flatten)]
        settings: Box<ServeSettings>,
        /// Create the demo tenant (idempotent) and print its credentials.
        #[arg(long)]
        demo: bool,
        /// The demo client's id (otherwise generated once and kept).
        #[arg(long, env = "LIAISON_DEMO_CLIENT_ID", requires = "demo")]
        demo_client_id: Option<String>,
        /// The demo client's secret (otherwise generated once and kept).
        #[arg(long, env = "LIAISON_DEMO_CLIENT_SECRET", requires = "demo", hide_env_values = true)]
        demo_client_secret: Option<String>,
    },
    /// Manage tenants.
    Tenants {
        #[command(subcommand)]
        action: TenantsAction,
    },
    /// Manage OAuth 2.0 API clients.
    Clients {
        #[command(subcommand)]
        action: ClientsAction,
    },
    /// Manage Relationship-users API keys (`Authorization: Token token=...`).
    Apikeys {
        #[command(subcommand)]
        action: ApikeysAction,
    },
    /// Manage the token signing keys.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Seed the demo tenant with generated relationships (for benchmarks at
    /// scale): ids `00000000-0000-4000-8000-` + N in 12 hex digits, created a
    /// minute apart from 2020-01-01T00:00Z; existing ones stay.
    DemoData {
        /// How many generated relationships the demo tenant should have.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
        relationships: u64,
    },
    /// Write the OpenAPI document as openapi.json and openapi.yaml, and its XML Schemas (liaison.xsd, ...).
    Openapi {
        /// The folder to write into.
        #[arg(long, default_value = "openapi")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum TenantsAction {
    /// Create a tenant (when it exists, says so and changes nothing).
    Create { name: String },
    /// List tenants: name, id and creation time.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ClientsAction {
    /// Create a client of a tenant; prints its id and secret (shown once).
    Create {
        /// The name of an existing tenant (see `tenants list`).
        #[arg(long)]
        tenant: String,
        /// Space-separated scopes; default: all.
        #[arg(long)]
        scopes: Option<String>,
        /// A label for people.
        #[arg(long, default_value = "api client")]
        name: String,
    },
    /// List clients (never their secrets).
    List,
    /// Disable a client: its tokens stop working at once.
    Disable { client_id: String },
}

#[derive(Debug, Subcommand)]
pub enum ApikeysAction {
    /// Create an API key of a tenant; prints it (shown once).
    Create {
        /// The name of an existing tenant (see `tenants list`).
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Make a new signing key in the key file; the current one still
    /// verifies the tokens it signed until they have expired (one token
    /// lifetime). Running instances pick the new key up within a second.
    Rotate,
}

/// Settings every subcommand takes: the database, the log, and the keys
/// that sign access tokens (`serve` signs with them, `keys` rotates them).
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database URL: `sqlite://PATH` (the embedded default, created on first
    /// run) or `postgres://...`.
    #[arg(long, env = "LIAISON_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true,
          value_parser = parse_database_url)]
    pub database_url: String,

    /// Database connections this instance keeps open for reading (and, on
    /// PostgreSQL, writing); SQLite's writes take one more. Default: 8 on
    /// SQLite, 16 on PostgreSQL.
    #[arg(long, env = "LIAISON_DATABASE_POOL", global = true, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_pool: Option<u32>,

    /// Key that signs access tokens (at least 32 bytes), instead of a key
    /// file. It cannot be rotated by `liaison keys rotate`.
    #[arg(long, env = "LIAISON_TOKEN_KEY", global = true, hide_env_values = true, value_parser = parse_token_key,
          conflicts_with = "token_key_file")]
    pub token_key: Option<String>,

    /// File that keeps the keys that sign access tokens (created 0600 with a
    /// new key when missing; rotated with `liaison keys rotate`). Default: on
    /// SQLite, beside the database file (`data/liaison.key` beside
    /// `data/liaison.db`); PostgreSQL needs this or `--token-key`.
    #[arg(long, env = "LIAISON_TOKEN_KEY_FILE", global = true)]
    pub token_key_file: Option<PathBuf>,

    /// Access-token lifetime in seconds.
    #[arg(long, env = "LIAISON_TOKEN_TTL", default_value_t = 3600, global = true,
          value_parser = clap::value_parser!(i64).range(60..=86_400))]
    pub token_ttl: i64,

    /// Log format.
    #[arg(long, env = "LIAISON_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

/// The server's own settings: `serve` takes them (without a subcommand,
/// liaison serves with their defaults and `LIAISON_*` variables).
#[derive(Debug, Clone, Args)]
pub struct ServeSettings {
    /// Address to listen on: IP:PORT or HOST:PORT (a host name is resolved
    /// at start-up; of its addresses the first IPv4 one is used).
    #[arg(long, env = "LIAISON_BIND", default_value = "127.0.0.1:8080", value_parser = parse_bind)]
    pub bind: SocketAddr,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "LIAISON_BODY_LIMIT", default_value_t = 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub body_limit: u64,

    /// Base URL for absolute links in responses (e.g. https://liaison.example.com);
    /// without it, links use the request's scheme and host.
    // The text is also `--help`'s, where a bare URL reads best.
    #[allow(rustdoc::bare_urls)]
    #[arg(long, env = "LIAISON_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// Seconds a client's standing (active, which tenant) is trusted without
    /// reading it again: a client disabled with `clients disable` loses
    /// access within this time. 0 reads it on every request.
    #[arg(long, env = "LIAISON_CLIENT_CACHE_TTL", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(0..=300))]
    pub client_cache_ttl: u64,

    /// Serve `/metrics` on this address (IP:PORT or HOST:PORT) instead of the main one.
    #[arg(long, env = "LIAISON_METRICS_BIND", value_parser = parse_bind)]
    pub metrics_bind: Option<SocketAddr>,

    /// Seconds a client has to send a request's headers, from connecting (or
    /// from the first byte of a later request on the connection); then 408
    /// and the connection is closed.
    #[arg(long, env = "LIAISON_HEADER_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,

    /// Seconds a request body may go without a byte arriving, and after
    /// which it must average 500 bytes a second; then 408.
    #[arg(long, env = "LIAISON_BODY_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout: u64,

    /// Seconds an idle connection waits for its next request (keep-alive),
    /// and a response for a client that reads nothing of it.
    #[arg(long, env = "LIAISON_IDLE_TIMEOUT", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub idle_timeout: u64,

    /// Connections open at once (lowered to fit the open-file limit); more
    /// wait to be accepted until one closes.
    #[arg(long, env = "LIAISON_MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub max_connections: usize,

    /// Failed client authentications at the token endpoint for one client
    /// id from one address, after which that client id is answered 429 from
    /// that address (only) until the window ends.
    #[arg(long, env = "LIAISON_TOKEN_FAILURE_LIMIT", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub token_failure_limit: u32,

    /// Failed client authentications at the token endpoint from one
    /// address, whatever the client ids, after which the address is
    /// answered 429 for every client id until the window ends.
    #[arg(long, env = "LIAISON_TOKEN_ADDRESS_FAILURE_LIMIT", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub token_address_failure_limit: u32,

    /// An origin (`scheme://host[:port]`) whose browser pages may call the
    /// API (CORS); repeat for more, or a comma-separated list in the
    /// variable. None by default: no cross-origin call is allowed.
    #[arg(long = "cors-origin", env = "LIAISON_CORS_ORIGINS", value_delimiter = ',',
          value_parser = parse_origin)]
    pub cors_origins: Vec<String>,

    /// Days a change record (`/api/changes`) is kept; older ones are
    /// deleted in the background, and a cursor older than the oldest kept
    /// record is answered 410.
    #[arg(long, env = "LIAISON_CHANGES_RETENTION_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3650))]
    pub changes_retention_days: u64,

    /// Let webhook URLs reach loopback, link-local and private addresses
    /// (refused by default: a tenant's URL is called from inside your network).
    #[arg(long, env = "LIAISON_WEBHOOKS_ALLOW_PRIVATE")]
    pub webhooks_allow_private: bool,

    /// Seconds a webhook delivery may take in all (connecting: at most half).
    #[arg(long, env = "LIAISON_WEBHOOKS_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=60))]
    pub webhooks_timeout: u64,

    /// Seconds to wait after each failed webhook delivery attempt before the
    /// next (each ±10 % at random), comma-separated; after the last, the
    /// delivery has failed, and a webhook that failed every delivery for
    /// their sum is disabled. Default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    #[arg(long, env = "LIAISON_WEBHOOKS_RETRY_SCHEDULE", value_delimiter = ',',
          default_value = "5,300,1800,7200,18000,36000,36000",
          value_parser = clap::value_parser!(u64).range(0..=172_800))]
    pub webhooks_retry_schedule: Vec<u64>,

    /// Seconds over which failed client authentications are counted.
    #[arg(long, env = "LIAISON_TOKEN_FAILURE_WINDOW", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub token_failure_window: u64,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/liaison.db";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

fn parse_origin(origin: &str) -> Result<String, String> {
    let origin = origin.trim().trim_end_matches('/');
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or("an origin starts with http:// or https://")?;
    if rest.is_empty() || rest.contains(['/', '?', '#', ' ']) {
        return Err("an origin is scheme://host[:port], without a path".into());
    }
    Ok(origin.to_string())
}

fn parse_database_url(url: &str) -> Result<String, String> {
    if url.starts_with("sqlite:") {
        crate::store::sqlite_file(url)?;
        Ok(url.to_string())
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(url.to_string())
    } else {
        Err("expected a sqlite://PATH or postgres:// URL".into())
    }
}

/// `IP:PORT`, or `HOST:PORT` with the host name resolved now. Of several
/// addresses the first IPv4 one wins: `localhost` then means 127.0.0.1,
/// which every client's `localhost` reaches.
pub fn parse_bind(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let hint = "expected IP:PORT or HOST:PORT, e.g. 127.0.0.1:8080 or localhost:8080";
    let (host, port) = text.rsplit_once(':').ok_or(hint)?;
    if host.is_empty() || port.parse::<u16>().is_err() {
        return Err(hint.into());
    }
    let addrs: Vec<SocketAddr> = text
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host:?}: {e}"))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .copied()
        .ok_or_else(|| format!("{host:?} resolves to no address"))
}

fn parse_token_key(key: &str) -> Result<String, String> {
    if key.len() >= 32 {
        Ok(key.to_string())
    } else {
        Err("the token key must be at least 32 bytes".into())
    }
}

fn parse_public_url(url: &str) -> Result<String, String> {
    let trimmed = url.trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or("expected an http:// or https:// URL")?;
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return Err("expected a host after the scheme".into());
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The settings of `serve`.
    fn server(cli: &Cli) -> &ServeSettings {
        match &cli.command {
            Some(Command::Serve { settings, .. }) => settings,
            other => panic!("not serve: {other:?}"),
        }
    }

    #[test]
    fn settings_have_documented_defaults() {
        assert!(
            Cli::try_parse_from(["liaison"]).expect("parses").command.is_none(),
            "serve is the default"
        );
        let cli = Cli::try_parse_from(["liaison", "serve"]).expect("defaults parse");
        assert_eq!(server(&cli).bind.to_string(), "127.0.0.1:8080");
        assert_eq!(server(&cli).body_limit, 1024 * 1024);
        assert_eq!(cli.settings.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(server(&cli).metrics_bind, None);
        assert_eq!(cli.settings.database_pool, None, "each engine's own default");
        let cli = Cli::try_parse_from(["liaison", "--database-pool", "4"]).expect("parses");
        assert_eq!(cli.settings.database_pool, Some(4));
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for args in [
            &["liaison", "serve", "--bind", "nowhere"][..],
            &["liaison", "serve", "--body-limit", "0"],
            &["liaison", "--database-pool", "0"],
            &["liaison", "--database-url", "mysql://x"],
            &["liaison", "--database-url", "sqlite://"],
            &["liaison", "--database-url", "sqlite:"],
            &["liaison", "--database-url", "sqlite://?mode=rwc"],
            &["liaison", "--database-url", "sqlite::memory:"],
            &["liaison", "serve", "--bind", "localhost"],
            &["liaison", "serve", "--bind", ":8080"],
            &["liaison", "serve", "--metrics-bind", "127.0.0.1"],
            &["liaison", "serve", "--public-url", "ftp://x"],
            &["liaison", "--log-format", "xml"],
            &["liaison", "--token-key", "short"],
            &[
                "liaison",
                "--token-key",
                "0123456789abcdef0123456789abcdef",
                "--token-key-file",
                "x.key",
            ],
            &["liaison", "--token-ttl", "5"],
            &["liaison", "migrate", "--demo"],
            &["liaison", "--no-such-flag"],
        ] {
            let err = Cli::try_parse_from(args).expect_err("refused");
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
    }

    #[test]
    fn host_names_are_resolved() {
        let cli = Cli::try_parse_from([
            "liaison",
            "serve",
            "--bind",
            "localhost:0",
            "--metrics-bind",
            "localhost:9100",
        ])
        .expect("parses");
        assert!(server(&cli).bind.ip().is_loopback(), "{}", server(&cli).bind);
        assert_eq!(server(&cli).bind.port(), 0);
        assert_eq!(server(&cli).metrics_bind.map(|a| a.port()), Some(9100));
        let ipv6 = Cli::try_parse_from(["liaison", "serve", "--bind", "[::1]:8080"]).expect("parses");
        assert_eq!(server(&ipv6).bind.to_string(), "[::1]:8080");
    }

    #[test]
    fn cors_origins_repeat_and_must_be_origins() {
        let args = [
            "liaison",
            "serve",
            "--cors-origin",
            "https://a.example/",
            "--cors-origin",
            "http://b.example:3000",
        ];
        let cli = Cli::try_parse_from(args).expect("parses");
        assert_eq!(
            server(&cli).cors_origins,
            ["https://a.example", "http://b.example:3000"]
        );
        for bad in ["a.example", "https://a.example/path", "ftp://a.example", "https://"] {
            assert!(
                Cli::try_parse_from(["liaison", "serve", "--cors-origin", bad]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn public_url_loses_its_trailing_slash() {
        let cli = Cli::try_parse_from(["liaison", "serve", "--public-url", "https://x.example/"]).expect("parses");
        assert_eq!(server(&cli).public_url.as_deref(), Some("https://x.example"));
    }

    #[test]
    fn each_subcommand_takes_only_its_own_flags() {
        let err = Cli::try_parse_from(["liaison", "tenants", "list", "--bind", "127.0.0.1:1"]).expect_err("refused");
        assert_eq!(err.exit_code(), 2);
        let help = Cli::try_parse_from(["liaison", "clients", "create", "--help"])
            .expect_err("help")
            .to_string();
        assert!(help.contains("--tenant") && help.contains("--database-url"), "{help}");
        for server_flag in ["--bind", "--body-limit", "--cors-origin", "--max-connections"] {
            assert!(!help.contains(server_flag), "{server_flag} in {help}");
        }
        let help = Cli::try_parse_from(["liaison", "serve", "--help"])
            .expect_err("help")
            .to_string();
        assert!(help.contains("--bind") && help.contains("--cors-origin"), "{help}");
    }

    #[test]
    fn connection_and_token_failure_flags_default_to_the_servers_defaults() {
        let cli = Cli::try_parse_from(["liaison", "serve"]).expect("defaults parse");
        let server = crate::server::ServerSettings::from(server(&cli));
        assert_eq!(server, crate::server::ServerSettings::default());
        for flag in [
            "--header-timeout",
            "--body-timeout",
            "--idle-timeout",
            "--max-connections",
            "--token-failure-limit",
            "--token-address-failure-limit",
            "--token-failure-window",
        ] {
            let err = Cli::try_parse_from(["liaison", "serve", flag, "0"]).expect_err("refused");
            assert_eq!(err.exit_code(), 2, "{flag}");
        }
    }
}
