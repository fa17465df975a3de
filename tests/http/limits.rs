//! What a client may send, over a raw socket: the request head and body
//! must arrive in time and the JSON body within its size; and how many
//! expensive reports it may ask for. All set small here through the
//! settings.

use std::time::{Duration, Instant};

use blackbox::{json, Backend, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn limited_app() -> TestApp {
    TestApp::spawn_with(Backend::Sqlite, |s| {
        s.server.client_request_timeout_seconds = 1;
        s.server.body_timeout_seconds = 1;
        s.server.json_limit_bytes = 4096;
    })
    .await
    .unwrap()
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Everything the server sends until it closes the connection, which it
/// must do within `within`.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(within, stream.read_to_end(&mut received)).await;
    let answer = String::from_utf8_lossy(&received).into_owned();
    assert!(
        read.is_ok(),
        "the connection was still open after {within:?}; received: {answer}"
    );
    answer
}

#[actix_web::test]
async fn a_client_stalling_in_its_headers_is_disconnected() {
    let app = limited_app().await;
    let mut stream = connect(&app).await;
    let started = Instant::now();
    // The head never ends (no blank line).
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "closed by the timeout, not at once"
    );
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

#[actix_web::test]
async fn a_body_trickled_past_the_timeout_is_cut_off() {
    let app = limited_app().await;
    let body = br#"{"username":"nobody","password":"not the password"}"#;
    let mut stream = connect(&app).await;
    let started = Instant::now();
    stream
        .write_all(
            format!(
                "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // One byte every 300 ms would take 15 s; the server gives it 1 s. A
    // write failing means the server has already closed the connection.
    for byte in body.iter().take(8) {
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let answer = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(started.elapsed() < Duration::from_secs(8));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("application/problem+json") && answer.contains("\"request_timeout\""),
        "{answer}"
    );
}

#[actix_web::test]
async fn a_body_over_the_configured_json_limit_is_refused() {
    let app = limited_app().await;
    let over = json!({"username": "a".repeat(4096), "password": "x"});
    let res = app.post("/api/v1/auth/login", &over).await;
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem = TestApp::expect(res, 413).await;
    assert_eq!(problem["code"], "payload_too_large");
    assert!(
        problem["detail"].as_str().unwrap().contains("4096"),
        "{problem}"
    );
    // Under the limit the same request is read (and the sign-in fails).
    let under = json!({"username": "a".repeat(60), "password": "x"});
    let res = app.post("/api/v1/auth/login", &under).await;
    assert_eq!(res.status(), 401);
}

#[actix_web::test]
async fn expensive_reports_are_limited_per_account() {
    let app = TestApp::spawn_demo_with(Backend::Sqlite, |s| s.server.reports_per_minute = 2)
        .await
        .unwrap();
    let leader = app.token("vp.lanhdao").await;
    // Exports and report statistics share the budget.
    assert_eq!(
        app.get_as(&leader, "/api/v1/task-stats").await.status(),
        200
    );
    assert_eq!(
        app.get_as(&leader, "/api/v1/task-stats/export.xlsx")
            .await
            .status(),
        200
    );
    let res = app.get_as(&leader, "/api/v1/tasks/export.xlsx").await;
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem = TestApp::expect(res, 429).await;
    assert_eq!(problem["code"], "rate_limited");
    // Other reads are not counted, and another account has its own budget.
    assert_eq!(app.get_as(&leader, "/api/v1/tasks").await.status(), 200);
    let other = app.token("lanhdao.ubnd").await;
    assert_eq!(app.get_as(&other, "/api/v1/task-stats").await.status(), 200);
}
