//! Running the app on a socket, and stopping it gracefully.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use poem::listener::{Acceptor, Listener, TcpListener};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api::ApiContext;
use crate::app;

/// How long in-flight requests may take to finish once shutdown starts.
pub const GRACE: Duration = Duration::from_secs(30);

/// A server accepting connections in the background.
pub struct RunningServer {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Binds `bind` (port 0 picks a free port) and serves the app until stopped.
pub async fn start(ctx: ApiContext, body_limit: u64, bind: SocketAddr) -> anyhow::Result<RunningServer> {
    let app = app(ctx, body_limit)?;
    let acceptor = TcpListener::bind(bind.to_string())
        .into_acceptor()
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
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
        Some(GRACE),
    );
    Ok(RunningServer {
        addr,
        stop,
        task: tokio::spawn(server),
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
