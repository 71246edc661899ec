//! Connections and requests are held to deadlines, and open connections are
//! capped: a slow or silent client cannot keep a connection, or all of them.
//! Raw TCP clients, against servers with short limits.

use std::time::{Duration, Instant};

use liaison::app::RunningServer;
use liaison::edge::connection::ConnectionLimits;
use liaison::server::ServerSettings;
use liaison::store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::*;

const SECOND: Duration = Duration::from_secs(1);

fn limits(max_connections: usize) -> ServerSettings {
    ServerSettings {
        body_timeout: SECOND,
        connections: ConnectionLimits {
            header_timeout: SECOND,
            idle_timeout: SECOND,
            max_connections,
        },
        ..ServerSettings::from(BODY_LIMIT)
    }
}

struct Server {
    store: Store,
    server: RunningServer,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(settings: ServerSettings) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, server) = serve_with(
            &format!("sqlite://{}/timeouts.db", dir.path().display()),
            &test_settings(),
            settings,
        )
        .await;
        Self {
            store,
            server,
            _dir: dir,
        }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.server.addr).await.expect("connect")
    }

    async fn stop(self) {
        self.server.shutdown().await.expect("shutdown");
        self.store.close().await;
    }
}

/// Everything the server sends until it closes the connection (at most `within`).
async fn until_closed(stream: &mut TcpStream, within: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut received = Vec::new();
    let read = tokio::time::timeout(within, stream.read_to_end(&mut received)).await;
    assert!(
        read.is_ok(),
        "still open after {within:?}; received {:?}",
        String::from_utf8_lossy(&received)
    );
    (String::from_utf8_lossy(&received).into_owned(), started.elapsed())
}

/// The JSON body of a raw HTTP/1.1 response.
fn body_of(response: &str) -> serde_json::Value {
    let (_, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_that_stops_arriving_gets_408_in_its_dialect_and_is_closed() {
    let server = Server::start(limits(16)).await;
    let mut stream = server.connect().await;
    stream
        .write_all(b"PUT /api/user/related HTTP/1.1\r\nHost: liaison\r\nAccept: applic")
        .await
        .expect("write");
    let (response, elapsed) = until_closed(&mut stream, 5 * SECOND).await;
    assert!(response.starts_with("HTTP/1.1 408 "), "{response}");
    assert!(response.contains("x-correlation-id: "), "{response}");
    let body = body_of(&response);
    assert_eq!(body["code"], 408);
    assert_eq!(body["response"]["message"], "Request timed out.");
    assert!(elapsed >= Duration::from_millis(800), "{elapsed:?}");

    // Problem details where no dialect owns the path.
    let mut stream = server.connect().await;
    stream.write_all(b"GET /healthz HTTP/1.1\r\n").await.expect("write");
    let (response, _) = until_closed(&mut stream, 5 * SECOND).await;
    assert!(
        response.contains("content-type: application/problem+json"),
        "{response}"
    );
    assert_eq!(body_of(&response)["status"], 408);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trickling_its_headers_is_cut_off_at_the_header_timeout() {
    let server = Server::start(limits(16)).await;
    let mut stream = server.connect().await;
    let request = b"GET /api/relationships HTTP/1.1\r\nHost: liaison\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let started = Instant::now();
    let mut closed = None;
    for byte in request {
        if stream.write_all(&[*byte]).await.is_err() {
            closed = Some(started.elapsed());
            break;
        }
        let mut buf = [0u8; 1024];
        match tokio::time::timeout(Duration::from_millis(100), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = Some(started.elapsed());
                break;
            }
            Ok(Ok(_)) => {
                assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 408"));
            }
            Err(_) => {}
        }
    }
    let closed = closed.expect("the connection was closed before the request was complete");
    assert!(closed < 3 * SECOND, "open for {closed:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_closed_at_the_header_timeout() {
    let server = Server::start(limits(16)).await;
    let mut stream = server.connect().await;
    let (response, elapsed) = until_closed(&mut stream, 5 * SECOND).await;
    assert_eq!(response, "", "nothing was asked, nothing is answered");
    assert!(
        (Duration::from_millis(800)..3 * SECOND).contains(&elapsed),
        "{elapsed:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stops_arriving_gets_408_in_its_dialect() {
    let server = Server::start(limits(16)).await;
    let tenant = server.store.ensure_tenant(TENANT).await.expect("tenant");
    let hash = liaison::auth::secret::hash_secret("s").unwrap_or_default();
    let scopes = ["riskassess.relationship.write".to_string()];
    server
        .store
        .client_create(tenant, "c", "t", &hash, &scopes)
        .await
        .expect("client");
    let token = json(
        reqwest::Client::new()
            .post(format!("http://{}/oauth2/token", server.server.addr))
            .basic_auth("c", Some("s"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token"),
    )
    .await["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let mut stream = server.connect().await;
    let head = format!(
        "PUT /api/relationships/d32a9192-353c-45fe-bbd4-b88702800467 HTTP/1.1\r\nHost: liaison\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\": "
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let (response, elapsed) = until_closed(&mut stream, 5 * SECOND).await;
    assert!(response.starts_with("HTTP/1.1 408 "), "{response}");
    let body = body_of(&response);
    assert_eq!(body["success"], false);
    assert_eq!(body["errors"][0]["errorCode"], "RequestTimeout", "{body}");
    assert!(elapsed < 3 * SECOND, "{elapsed:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_trickling_in_is_cut_off_once_it_falls_under_the_minimum_rate() {
    let server = Server::start(limits(16)).await;
    let mut stream = server.connect().await;
    stream
        .write_all(b"POST /oauth2/token HTTP/1.1\r\nHost: liaison\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        .await
        .expect("write");
    // Ten bytes a second: never idle for the body timeout, far under the rate.
    let started = Instant::now();
    let mut response = Vec::new();
    while started.elapsed() < 5 * SECOND {
        if stream.write_all(b" ").await.is_err() {
            break;
        }
        let mut buf = [0u8; 4096];
        match tokio::time::timeout(Duration::from_millis(100), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(read)) => response.extend_from_slice(&buf[..read]),
            Err(_) => {}
        }
    }
    let elapsed = started.elapsed();
    let response = String::from_utf8_lossy(&response).into_owned();
    assert!(response.starts_with("HTTP/1.1 408 "), "{response}");
    assert_eq!(body_of(&response)["error"], "invalid_request");
    assert!(elapsed < 3 * SECOND, "{elapsed:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed_at_the_idle_timeout() {
    let server = Server::start(limits(16)).await;
    let mut stream = server.connect().await;
    let request = b"GET /healthz HTTP/1.1\r\nHost: liaison\r\n\r\n";
    for _ in 0..2 {
        // Within the idle timeout, the connection serves the next request.
        stream.write_all(request).await.expect("write");
        let mut buf = [0u8; 4096];
        let read = tokio::time::timeout(SECOND, stream.read(&mut buf))
            .await
            .expect("answered")
            .expect("read");
        assert!(String::from_utf8_lossy(&buf[..read]).starts_with("HTTP/1.1 200 "));
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let (response, elapsed) = until_closed(&mut stream, 5 * SECOND).await;
    assert_eq!(response, "", "an idle connection is closed without a response");
    assert!(elapsed < 3 * SECOND, "{elapsed:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_wait_until_one_closes() {
    let server = Server::start(limits(2)).await;
    let silent = [server.connect().await, server.connect().await];
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let mut third = server.connect().await;
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: liaison\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let (response, elapsed) = until_closed(&mut third, 5 * SECOND).await;
    assert!(response.starts_with("HTTP/1.1 200 "), "{response}");
    // Served once the silent connections were closed by the header timeout.
    assert!(
        elapsed >= Duration::from_millis(700),
        "served at once ({elapsed:?}): the cap did not hold"
    );
    assert!(started.elapsed() < 3 * SECOND);
    drop(silent);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_without_tls_is_refused() {
    let server = Server::start(limits(16)).await;
    let mut stream = server.connect().await;
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .expect("write");
    let (response, elapsed) = until_closed(&mut stream, 5 * SECOND).await;
    assert_eq!(response, "");
    assert!(elapsed < Duration::from_millis(500), "{elapsed:?}");
    server.stop().await;
}
