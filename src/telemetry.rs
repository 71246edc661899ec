//! Logging: tracing to stderr, as text or JSON lines. `RUST_LOG` filters
//! (default [`DEFAULT_FILTER`]). Text is coloured only when stderr is a terminal (and
//! `NO_COLOR` is not set), so log files and pipes get no escape codes.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// `info`, but PostgreSQL's notices only from `warn`: the migrator's
/// `CREATE TABLE IF NOT EXISTS` has every start say that
/// `_sqlx_migrations` "already exists, skipping".
pub const DEFAULT_FILTER: &str = "info,sqlx::postgres::notice=warn";

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour());
    // A second init (tests) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
    };
}

/// Whether log lines may carry ANSI colour codes.
fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
