//! An account where Security Hub is not enabled, in front of moto.
//!
//! moto's Security Hub accepts `BatchImportFindings` whether or not `EnableSecurityHub` was
//! called (its backend checks the hub only in `DescribeHub`/`DisableSecurityHub`), so it cannot
//! show what the real service does there. This loopback HTTP forwarder answers
//! `BatchImportFindings` as Security Hub documents it for an account or region where it is not
//! enabled (HTTP 200, every finding listed in `FailedFindings` with `ErrorCode`
//! `InvalidAccess`) and forwards every other request to moto byte for byte. Point only the
//! Security Hub client at it (`AWS_ENDPOINT_URL_SECURITYHUB`); everything else (SQS, SNS, the
//! dead-letter queue) stays on moto.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The message the real service gives for a finding of an account without Security Hub.
pub const NOT_SUBSCRIBED: &str = "Security Hub is not enabled for this account and region";

/// The running forwarder; it stops with the test's runtime.
pub struct NotEnabled {
    pub endpoint: String,
    refused: Arc<AtomicUsize>,
}

impl NotEnabled {
    /// Start forwarding to moto at `moto_endpoint` (`http://HOST:PORT`).
    pub async fn start(moto_endpoint: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the forwarder");
        let addr = listener.local_addr().expect("local address");
        let upstream = moto_endpoint.trim_start_matches("http://").trim_end_matches('/').to_string();
        let refused = Arc::new(AtomicUsize::new(0));
        let counter = refused.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (counter, upstream) = (counter.clone(), upstream.clone());
                tokio::spawn(async move {
                    let _ = serve(client, &upstream, counter).await;
                });
            }
        });
        Self { endpoint: format!("http://{addr}"), refused }
    }

    /// How many findings were refused so far.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }
}

/// One request per connection: read it, answer or forward it, close.
async fn serve(mut client: TcpStream, upstream: &str, refused: Arc<AtomicUsize>) -> std::io::Result<()> {
    let (head, body) = read_request(&mut client).await?;
    let request_line = head.lines().next().unwrap_or_default().to_string();
    if request_line.starts_with("POST /findings/import ") {
        let findings = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v["Findings"].as_array().cloned())
            .unwrap_or_default();
        refused.fetch_add(findings.len(), Ordering::SeqCst);
        let failed: Vec<Value> = findings
            .iter()
            .map(|f| json!({"Id": f["Id"], "ErrorCode": "InvalidAccess", "ErrorMessage": NOT_SUBSCRIBED}))
            .collect();
        let answer = json!({"FailedCount": failed.len(), "SuccessCount": 0, "FailedFindings": failed}).to_string();
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        );
        client.write_all(response.as_bytes()).await?;
        return client.shutdown().await;
    }
    // Forward, asking moto to close after its answer so the answer ends at EOF.
    let mut upstream = TcpStream::connect(upstream).await?;
    let head: String = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect::<Vec<_>>()
        .join("\r\n");
    upstream.write_all(head.trim_end().as_bytes()).await?;
    upstream.write_all(b"\r\nconnection: close\r\n\r\n").await?;
    upstream.write_all(&body).await?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer).await?;
    client.write_all(&answer).await?;
    client.shutdown().await
}

/// The request's head (request line and headers) and its `content-length` body.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok((head, body))
}
