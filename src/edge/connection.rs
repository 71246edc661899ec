//! Connections held to deadlines, and a cap on how many are open.
//!
//! poem's server gives hyper no timer, so on its own a connection may take
//! as long as it likes to send a request's headers, and may sit idle
//! forever. [`GuardedAcceptor`] wraps the listener: it accepts at most
//! `max_connections` connections at once (more wait in the kernel's listen
//! queue until one closes, rather than being refused), and wraps each one in
//! [`Guarded`], which follows the HTTP/1.1 exchange closely enough to hold it
//! to these deadlines, the way Go's server does:
//!
//! - **headers**: a request's head must be complete within `header_timeout`
//!   of the connection opening, or of its first byte on a kept-alive
//!   connection. Otherwise the connection is closed, after a 408 in the
//!   dialect's envelope of the path when part of the request had arrived;
//! - **idle**: after a response, the next request must start within
//!   `idle_timeout` (keep-alive), and a response that cannot be written
//!   because the client reads nothing fails after `idle_timeout` too.
//!
//! Request bodies are held to their own idle deadline by the front line
//! ([`crate::edge::frontline`]), which answers 408 in the dialect's envelope.
//!
//! HTTP/2 without TLS ("prior knowledge") is refused: its frames cannot be
//! held to these deadlines here. HTTP/2 belongs behind a TLS proxy.

use crate::api::envelope::Dialects;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// The deadlines and the cap every connection is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a request's head may take to arrive.
    pub header_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request, and
    /// a response for the client to read it.
    pub idle_timeout: Duration,
    /// How many connections may be open at once.
    pub max_connections: usize,
}

/// The longest request line kept to name the path in a 408.
const REQUEST_LINE_MAX: usize = 2048;

/// Accepts connections from `A`, at most `max_connections` open at once,
/// each held to the limits.
pub struct GuardedAcceptor<A> {
    inner: A,
    slots: Arc<Semaphore>,
    limits: ConnectionLimits,
    dialects: Dialects,
}

impl<A> GuardedAcceptor<A> {
    /// A 408 for a late head is worded by the dialect owning its path.
    pub fn new(inner: A, limits: ConnectionLimits, dialects: Dialects) -> Self {
        Self {
            inner,
            slots: Arc::new(Semaphore::new(limits.max_connections.max(1))),
            limits,
            dialects,
        }
    }
}

impl<A: Acceptor> Acceptor for GuardedAcceptor<A> {
    type Io = Guarded<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        // Waiting for a slot leaves new connections in the listen queue:
        // they are served as soon as one closes, and take no descriptor.
        let slot = self.slots.clone().acquire_owned().await.map_err(io::Error::other)?;
        match self.inner.accept().await {
            Ok((io, local, remote, scheme)) => Ok((
                Guarded::new(io, slot, self.limits, self.dialects),
                local,
                remote,
                scheme,
            )),
            Err(err) => {
                // Out of descriptors, say: poem retries at once, so pause
                // rather than spin.
                tracing::warn!(error = %err, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                Err(err)
            }
        }
    }
}

/// Where a connection is in its exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading a request's head, which must be complete by `deadline`.
    Head { deadline: Instant, wrote: bool },
    /// A request is being handled; its body is read under the front line's
    /// deadline, and the handler takes the time it takes.
    Request,
    /// A response is being or has been written: the next bytes read start
    /// the next request, which must begin within the idle timeout.
    Responded,
}

/// A connection held to [`ConnectionLimits`]; it frees its slot when dropped.
pub struct Guarded<S> {
    inner: S,
    _slot: OwnedSemaphorePermit,
    limits: ConnectionLimits,
    dialects: Dialects,
    phase: Phase,
    head: HeadScanner,
    last_write: Instant,
    read_timer: Pin<Box<Sleep>>,
    write_stalled: Option<Instant>,
    write_timer: Pin<Box<Sleep>>,
}

impl<S> Guarded<S> {
    fn new(inner: S, slot: OwnedSemaphorePermit, limits: ConnectionLimits, dialects: Dialects) -> Self {
        let now = Instant::now();
        Self {
            inner,
            _slot: slot,
            limits,
            dialects,
            phase: Phase::Head {
                deadline: now + limits.header_timeout,
                wrote: false,
            },
            head: HeadScanner::default(),
            last_write: now,
            read_timer: Box::pin(tokio::time::sleep_until(now + limits.header_timeout)),
            write_stalled: None,
            write_timer: Box::pin(tokio::time::sleep_until(now + limits.idle_timeout)),
        }
    }

    /// Follows the exchange through bytes just read.
    fn on_read(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.phase == Phase::Responded {
            self.phase = Phase::Head {
                deadline: Instant::now() + self.limits.header_timeout,
                wrote: false,
            };
            self.head = HeadScanner::default();
        }
        if let Phase::Head { .. } = self.phase {
            let complete = self.head.feed(bytes);
            if self
                .head
                .request_line()
                .is_some_and(|line| line.starts_with(b"PRI * HTTP/2"))
            {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "HTTP/2 without TLS is not served",
                ));
            }
            if complete {
                self.phase = Phase::Request;
            }
        }
        Ok(())
    }

    /// Follows the exchange through bytes just written.
    fn on_write(&mut self, first: &[u8], cx: &mut Context<'_>) {
        self.last_write = Instant::now();
        match &mut self.phase {
            // An interim response (100 Continue) comes before the body is read.
            Phase::Request if !is_interim(first) => {
                self.phase = Phase::Responded;
                // The server may be waiting on a read it began before it
                // answered, when there was no deadline: arm the idle one now,
                // or nothing would wake it.
                let _ = self.poll_read_deadline(cx);
            }
            Phase::Head { wrote, .. } => *wrote = true,
            _ => {}
        }
    }

    /// When a pending read must have produced something.
    fn read_deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Head { deadline, .. } => Some(deadline),
            Phase::Request => None,
            Phase::Responded => Some(self.last_write + self.limits.idle_timeout),
        }
    }

    /// Ready once the current read deadline has passed; pending (and set to
    /// wake the task then) before it, and forever while there is none.
    fn poll_read_deadline(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(deadline) = self.read_deadline() else {
            return Poll::Pending;
        };
        if self.read_timer.deadline() != deadline {
            self.read_timer.as_mut().reset(deadline);
        }
        self.read_timer.as_mut().poll(cx)
    }
}

impl<S: AsyncWrite + Unpin> Guarded<S> {
    /// The error a read fails with once its deadline passed; while reading
    /// a head, a 408 is written first when part of a request arrived (and
    /// nothing else was written meanwhile).
    fn timed_out(&mut self, cx: &mut Context<'_>) -> io::Error {
        match self.phase {
            Phase::Head { wrote: false, .. } if self.head.started() => {
                let path = self.head.request_line().and_then(request_path);
                let response = crate::edge::frontline::timeout_response(&self.dialects, path.as_deref());
                // Best effort: the socket's buffer takes a response this
                // small at once, and the connection closes either way.
                if let Poll::Ready(Ok(_)) = Pin::new(&mut self.inner).poll_write(cx, &response) {
                    let _ = Pin::new(&mut self.inner).poll_flush(cx);
                }
                tracing::debug!(path, "closing a connection whose request head did not arrive in time");
                io::Error::new(io::ErrorKind::TimedOut, "the request head did not arrive in time")
            }
            Phase::Head { .. } => io::Error::new(io::ErrorKind::TimedOut, "no request arrived in time"),
            _ => io::Error::new(io::ErrorKind::TimedOut, "the connection was idle too long"),
        }
    }

    /// Fails a write that has made no progress for the idle timeout.
    fn poll_write_stall(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let since = *self.write_stalled.get_or_insert_with(Instant::now);
        let deadline = since + self.limits.idle_timeout;
        if self.write_timer.deadline() != deadline {
            self.write_timer.as_mut().reset(deadline);
        }
        match self.write_timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read nothing of the response for too long",
            )),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = &buf.filled()[before..];
                if !read.is_empty() {
                    this.on_read(read)?;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => match this.poll_read_deadline(cx) {
                Poll::Ready(()) => Poll::Ready(Err(this.timed_out(cx))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(Ok(written)) => {
                this.write_stalled = None;
                if written > 0 {
                    this.on_write(buf, cx);
                }
                Poll::Ready(Ok(written))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => this.poll_write_stall(cx).map(Err),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(Ok(written)) => {
                this.write_stalled = None;
                if written > 0 {
                    let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| &b[..]);
                    this.on_write(first, cx);
                }
                Poll::Ready(Ok(written))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => this.poll_write_stall(cx).map(Err),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Pending => this.poll_write_stall(cx).map(Err),
            ready => {
                this.write_stalled = None;
                ready
            }
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Whether written bytes start an interim (1xx) response.
fn is_interim(bytes: &[u8]) -> bool {
    bytes.starts_with(b"HTTP/1.1 1") || bytes.starts_with(b"HTTP/1.0 1")
}

/// Finds the end of a request head (the empty line after the header
/// fields) in bytes fed piece by piece, and keeps the request line.
#[derive(Debug, Default)]
struct HeadScanner {
    /// The request line so far (at most [`REQUEST_LINE_MAX`] bytes).
    line: Vec<u8>,
    line_done: bool,
    /// Whether anything but line breaks arrived (RFC 9112 section 2.2:
    /// empty lines before the request line are ignored).
    started: bool,
    /// Whether the last byte that was not a CR ended a line.
    at_line_start: bool,
}

impl HeadScanner {
    /// Feeds bytes; true once the head is complete (the rest is body).
    fn feed(&mut self, bytes: &[u8]) -> bool {
        for &byte in bytes {
            match byte {
                b'\n' if self.at_line_start && self.started => return true,
                b'\n' => {
                    self.at_line_start = true;
                    self.line_done |= self.started;
                }
                b'\r' => {}
                other => {
                    self.at_line_start = false;
                    self.started = true;
                    if !self.line_done && self.line.len() < REQUEST_LINE_MAX {
                        self.line.push(other);
                    }
                }
            }
        }
        false
    }

    fn started(&self) -> bool {
        self.started
    }

    /// The complete request line, once it arrived.
    fn request_line(&self) -> Option<&[u8]> {
        self.line_done.then_some(self.line.as_slice())
    }
}

/// The path of a request line (`GET /a/b?c HTTP/1.1`, or an absolute URI).
fn request_path(line: &[u8]) -> Option<String> {
    let line = std::str::from_utf8(line).ok()?;
    let target = line.split(' ').nth(1)?;
    let target = match target.find("://") {
        Some(scheme_end) => &target[target[scheme_end + 3..].find('/')? + scheme_end + 3..],
        None => target,
    };
    let path = target.split(['?', '#']).next()?;
    path.starts_with('/').then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_ends_at_the_first_empty_line() {
        let mut scanner = HeadScanner::default();
        assert!(!scanner.feed(b"\r\n"), "leading empty lines are ignored");
        assert!(!scanner.started());
        assert!(!scanner.feed(b"GET /api/user/related?x=1 HTTP/1.1\r\nHost: a\r"));
        assert_eq!(scanner.request_line(), Some(&b"GET /api/user/related?x=1 HTTP/1.1"[..]));
        assert!(!scanner.feed(b"\nAccept: */*\r\n"));
        assert!(scanner.feed(b"\r\nbody"));

        let mut bare = HeadScanner::default();
        assert!(
            bare.feed(b"GET / HTTP/1.1\nHost: a\n\n"),
            "bare line feeds end lines too"
        );
    }

    #[test]
    fn request_paths_are_read_from_the_request_line() {
        assert_eq!(
            request_path(b"GET /api/user/related?x=1 HTTP/1.1").as_deref(),
            Some("/api/user/related")
        );
        assert_eq!(
            request_path(b"PUT http://h:1/api/relationships/1 HTTP/1.1").as_deref(),
            Some("/api/relationships/1")
        );
        assert_eq!(request_path(b"OPTIONS * HTTP/1.1"), None);
        assert_eq!(request_path(b"GARBAGE"), None);
    }

    #[test]
    fn interim_responses_are_told_apart() {
        assert!(is_interim(b"HTTP/1.1 100 Continue\r\n\r\n"));
        assert!(!is_interim(b"HTTP/1.1 200 OK\r\n"));
    }
}
