//! What a server holds connections to, and how it is told to stop.

use std::time::Duration;

use crate::config::ServeSettings;
use crate::edge::connection::ConnectionLimits;

/// How long in-flight requests may take to finish once shutdown starts.
pub const GRACE: Duration = Duration::from_secs(30);

/// What a running server holds its connections and requests to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    /// The largest request body, in bytes.
    pub body_limit: u64,
    /// How long a request body may go without a byte arriving (408).
    pub body_timeout: Duration,
    /// Header and idle deadlines, and the cap on open connections.
    pub connections: ConnectionLimits,
    /// When failed client authentications are answered 429.
    pub token_failures: crate::auth::throttle::ThrottlePolicy,
    /// The origins whose pages may call the API (CORS); none by default.
    pub cors_origins: Vec<String>,
}

impl Default for ServerSettings {
    /// The documented defaults of the command-line flags.
    fn default() -> Self {
        Self {
            body_limit: 1024 * 1024,
            body_timeout: Duration::from_secs(30),
            connections: ConnectionLimits {
                header_timeout: Duration::from_secs(10),
                idle_timeout: Duration::from_secs(60),
                max_connections: 1024,
            },
            token_failures: crate::auth::throttle::ThrottlePolicy::default(),
            cors_origins: Vec::new(),
        }
    }
}

impl From<u64> for ServerSettings {
    /// The defaults, with a body limit.
    fn from(body_limit: u64) -> Self {
        Self {
            body_limit,
            ..Self::default()
        }
    }
}

impl From<&ServeSettings> for ServerSettings {
    fn from(settings: &ServeSettings) -> Self {
        Self {
            body_limit: settings.body_limit,
            body_timeout: Duration::from_secs(settings.body_timeout),
            connections: ConnectionLimits {
                header_timeout: Duration::from_secs(settings.header_timeout),
                idle_timeout: Duration::from_secs(settings.idle_timeout),
                max_connections: settings.max_connections,
            },
            token_failures: crate::auth::throttle::ThrottlePolicy {
                limit: settings.token_failure_limit,
                address_limit: settings.token_address_failure_limit,
                window: Duration::from_secs(settings.token_failure_window),
            },
            cors_origins: settings.cors_origins.clone(),
        }
    }
}

/// Descriptors kept free of connections: the listener, the database pool,
/// log files.
const RESERVED_FILES: u64 = 64;

/// `max_connections`, lowered to fit the process's open-file limit where it
/// is known (Linux), so that connections can never exhaust descriptors.
pub fn within_open_file_limit(max_connections: usize) -> usize {
    let limit = std::fs::read_to_string("/proc/self/limits").ok().and_then(|limits| {
        let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
        line.split_whitespace().nth(3)?.parse::<u64>().ok()
    });
    match limit {
        Some(limit) if (max_connections as u64).saturating_add(RESERVED_FILES) > limit => {
            let fitted = usize::try_from(limit.saturating_sub(RESERVED_FILES).max(1)).unwrap_or(1);
            tracing::warn!(
                max_connections,
                open_file_limit = limit,
                fitted,
                "the open-file limit is too low for --max-connections; serving fewer connections at once"
            );
            fitted
        }
        _ => max_connections,
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => {
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
