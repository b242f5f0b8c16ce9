//! The alert webhook end to end: the real `publish-findings` binary runs as a Lambda runtime
//! under cargo-lambda's emulator, reads the webhook secret from Secrets Manager on moto (created
//! here through the Rust SDK) and POSTs new high-severity alerts to a receiver on 127.0.0.1.
//!
//! Covered: one POST with the expected body and `Authorization` for a new HIGH failure, none for
//! a LOW one; the secret is cached (a rotated value is not fetched again within the TTL, and is
//! after it); a receiver answering 500 is retried and then the whole batch fails like a failed
//! SNS alert; a malformed secret is a clear error naming the secret; the URL and token appear in
//! neither the function's logs nor its errors; no webhook without a secret id.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use ztscan::model::{Finding, ResourceRef, Severity, Status};
use ztscan::pipeline::QueueMessage;
use ztscan::publish::outbox::ALERT_RETRY_DELAY_SECONDS;
use ztscan_tests::lambda::{scratch_dir, sqs_record, write_sqs_event, Emulator};
use ztscan_tests::moto;
use ztscan_tests::seed::{create_pipeline, drain_inbox, security_hub_findings};

const SECRET_NAME: &str = "ztscan/alert-webhook";
/// Parts of the webhook URL and token that must never show in logs or errors.
const URL_SECRET: &str = "first-s3cr3t-path";
const TOKEN_SECRET: &str = "first-t0ken-value";

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    authorization: Option<String>,
    content_type: Option<String>,
    body: Value,
}

/// A loopback HTTP/1.1 receiver answering every request with the current `status`.
struct Receiver {
    port: u16,
    status: Arc<AtomicU16>,
    requests: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Runs on its own thread and runtime: the test's runtime is blocked while
    /// `cargo lambda invoke` runs.
    fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let port = listener.local_addr().expect("receiver address").port();
        let status = Arc::new(AtomicU16::new(200));
        let requests: Arc<Mutex<Vec<Received>>> = Arc::default();
        let (answer, seen) = (Arc::clone(&status), Arc::clone(&requests));
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("receiver runtime");
            rt.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("tokio listener");
                while let Ok((mut stream, _)) = listener.accept().await {
                    let Some(request) = read_request(&mut stream).await else { continue };
                    seen.lock().expect("requests").push(request);
                    let status = answer.load(Ordering::SeqCst);
                    let response =
                        format!("HTTP/1.1 {status} Status\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                }
            });
        });
        Self { port, status, requests }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn requests(&self) -> Vec<Received> {
        self.requests.lock().expect("requests").clone()
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        let Some((head, body)) = text.split_once("\r\n\r\n") else { continue };
        let header = |name: &str| {
            head.lines().skip(1).find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
        };
        let length: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        if body.len() < length {
            continue;
        }
        let path = head.split_whitespace().nth(1).unwrap_or_default().to_string();
        assert!(head.starts_with("POST "), "the webhook is called with POST: {head}");
        return Some(Received {
            path,
            authorization: header("authorization"),
            content_type: header("content-type"),
            body: serde_json::from_str(body).unwrap_or(Value::Null),
        });
    }
}

fn finding(bucket: &str, rule: &str, severity: Severity) -> Finding {
    Finding {
        rule_id: rule.into(),
        title: format!("{rule} holds"),
        severity,
        status: Status::Fail,
        reason: format!("{bucket} fails {rule}"),
        resource: ResourceRef {
            resource_type: "AwsS3Bucket".into(),
            id: bucket.into(),
            arn: Some(format!("arn:aws:s3:::{bucket}")),
            account: ztscan_tests::ACCOUNT.into(),
            region: ztscan_tests::REGION.into(),
            partition: "aws".into(),
        },
        remediation: "fix it".into(),
        mappings: vec![],
        observed_at: DateTime::<Utc>::from_timestamp(1_790_000_000, 0).expect("a time"),
    }
}

fn high(bucket: &str) -> Finding {
    finding(bucket, "s3.bucket-not-public", Severity::High)
}

fn low(bucket: &str) -> Finding {
    finding(bucket, "s3.bucket-access-logging-enabled", Severity::Low)
}

/// An SQS event file with one findings message per entry, as the event source mapping sends.
fn sqs_event(name: &str, messages: &[Vec<Finding>]) -> std::path::PathBuf {
    let bodies: Vec<String> = messages
        .iter()
        .map(|findings| {
            serde_json::to_string(&QueueMessage::Findings { audit: "s3".into(), findings: findings.clone() })
                .expect("serialise")
        })
        .collect();
    raw_sqs_event(name, &bodies)
}

fn batch_failures(response: &Value) -> usize {
    response["batchItemFailures"].as_array().map(Vec::len).unwrap_or(0)
}

/// `text` without whitespace and box-drawing: `cargo lambda invoke` wraps error messages.
fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace() && !matches!(c, '│' | '×')).collect()
}

fn assert_no_secret_in(what: &str, text: &str) {
    for secret in [URL_SECRET, TOKEN_SECRET, "second-s3cr3t", "second-t0ken"] {
        assert!(
            !text.contains(secret) && !squash(text).contains(secret),
            "{what} contains the webhook secret part `{secret}`:\n{text}"
        );
    }
}

async fn create_secret(sm: &aws_sdk_secretsmanager::Client, value: &str) -> String {
    sm.create_secret()
        .name(SECRET_NAME)
        .secret_string(value)
        .send()
        .await
        .expect("create the webhook secret")
        .arn()
        .expect("secret ARN")
        .to_string()
}

async fn put_secret(sm: &aws_sdk_secretsmanager::Client, arn: &str, value: &str) {
    sm.put_secret_value().secret_id(arn).secret_string(value).send().await.expect("rotate the webhook secret");
    let now = sm.get_secret_value().secret_id(arn).send().await.expect("read back");
    assert_eq!(now.secret_string(), Some(value), "moto holds the new value");
}

#[tokio::test]
async fn new_high_failures_are_posted_with_the_cached_secret() {
    // GIVEN a webhook secret in Secrets Manager pointing at a local receiver, with a token
    let m = moto().await;
    let p = create_pipeline(&m.sdk).await;
    let hook = Receiver::start();
    let sm = aws_sdk_secretsmanager::Client::new(&m.sdk);
    let first =
        json!({"url": hook.url(&format!("/hooks/T0/{URL_SECRET}")), "authorization": format!("Bearer {TOKEN_SECRET}")});
    let arn = create_secret(&sm, &first.to_string()).await;
    let mut env = p.function_env(&m.endpoint);
    env.push(("ALERT_WEBHOOK_SECRET_ID", &arn));
    let mut publisher = Emulator::start();
    publisher.run_function("publish-findings", &env);

    // WHEN a batch brings a new HIGH failure and a new LOW one
    let resp = publisher
        .invoke("publish-findings", &sqs_event("b1", &[vec![high("hook-a")], vec![low("hook-low")]]))
        .unwrap_or_else(|e| panic!("{e}\n{}", publisher.function_log("publish-findings")));
    assert_eq!(batch_failures(&resp), 0, "{resp}");

    // THEN the receiver got one POST with the token and a body naming only the HIGH failure
    let got = hook.requests();
    assert_eq!(got.len(), 1, "{got:?}\n{}", publisher.function_log("publish-findings"));
    assert_eq!(got[0].path, format!("/hooks/T0/{URL_SECRET}"));
    assert_eq!(got[0].authorization.as_deref(), Some(format!("Bearer {TOKEN_SECRET}").as_str()));
    assert_eq!(got[0].content_type.as_deref(), Some("application/json"));
    let body = &got[0].body;
    assert_eq!(
        body["text"],
        "ztscan: 1 new failing finding in 123456789012 (highest HIGH)\n- HIGH s3.bucket-not-public on arn:aws:s3:::hook-a"
    );
    assert_eq!(body["source"], "ztscan");
    assert_eq!(body["highest_severity"], "HIGH");
    assert_eq!(body["count"], 1);
    assert_eq!(body["findings"][0]["resource"], "arn:aws:s3:::hook-a");
    assert!(!body.to_string().contains("hook-low"), "{body}");
    // AND SNS got the same alert, and both findings were imported
    assert_eq!(drain_inbox(&m.sdk, &p.inbox_queue_url).await.len(), 1);
    assert_eq!(security_hub_findings(&m.sdk).await.len(), 2);

    // WHEN the secret is rotated in Secrets Manager and another HIGH failure arrives within the TTL
    let second = json!({"url": hook.url("/hooks/second-s3cr3t"), "authorization": "Bearer second-t0ken"});
    put_secret(&sm, &arn, &second.to_string()).await;
    let resp = publisher.invoke("publish-findings", &sqs_event("b2", &[vec![high("hook-b")]])).expect("second batch");
    assert_eq!(batch_failures(&resp), 0, "{resp}");
    // THEN the cached value is used: GetSecretValue was not called again
    let got = hook.requests();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1].path, format!("/hooks/T0/{URL_SECRET}"), "the cached URL");
    assert_eq!(got[1].authorization.as_deref(), Some(format!("Bearer {TOKEN_SECRET}").as_str()));
    assert_eq!(got[1].body["findings"][0]["resource"], "arn:aws:s3:::hook-b");

    // WHEN a batch brings only a LOW failure and a repeat of an active HIGH one
    let resp = publisher
        .invoke("publish-findings", &sqs_event("b3", &[vec![low("hook-low-2"), high("hook-a")]]))
        .expect("third batch");
    assert_eq!(batch_failures(&resp), 0, "{resp}");
    // THEN nothing is posted
    assert_eq!(hook.requests().len(), 2);

    // AND the function's logs never show the URL or the token
    let log = publisher.function_log("publish-findings");
    assert!(log.contains("alert forwarded to the webhook"), "{log}");
    assert_no_secret_in("the function log", &log);
}

#[tokio::test]
async fn a_failing_webhook_is_retried_then_queued_on_its_own_and_a_malformed_secret_is_named() {
    // GIVEN a receiver that answers 500, and a secret cache TTL of one second
    let m = moto().await;
    let p = create_pipeline(&m.sdk).await;
    let hook = Receiver::start();
    hook.status.store(500, Ordering::SeqCst);
    let sm = aws_sdk_secretsmanager::Client::new(&m.sdk);
    let first =
        json!({"url": hook.url(&format!("/hooks/{URL_SECRET}")), "authorization": format!("Bearer {TOKEN_SECRET}")});
    let arn = create_secret(&sm, &first.to_string()).await;
    let mut env = p.function_env(&m.endpoint);
    env.push(("ALERT_WEBHOOK_SECRET_ID", &arn));
    env.push(("SECRET_CACHE_TTL_SECONDS", "1"));
    let mut publisher = Emulator::start();
    publisher.run_function("publish-findings", &env);

    // WHEN a new HIGH failure arrives
    let resp = publisher
        .invoke("publish-findings", &sqs_event("f1", &[vec![high("hook-fail")]]))
        .expect("the batch is handled");
    // THEN the webhook was tried three times; the finding is imported (so a redelivery will not
    // alert it again) and the record is done; the alert itself waits on the findings queue as
    // an AlertRetry, to be retried on its own
    assert_eq!(hook.requests().len(), 3, "{:?}", hook.requests());
    assert_eq!(batch_failures(&resp), 0, "{resp}");
    assert_eq!(security_hub_findings(&m.sdk).await.len(), 1);
    // (it is delayed by ALERT_RETRY_DELAY_SECONDS, so the retry does not hit the same outage)
    let retries = receive_bodies(&m.sdk, &p.findings_queue_url, ALERT_RETRY_DELAY_SECONDS as u64 + 15).await;
    assert_eq!(
        retries.len(),
        1,
        "one alert queued for retry: {retries:?}\n{}",
        publisher.function_log("publish-findings")
    );
    for body in &retries {
        assert_no_secret_in("the queued alert", body);
    }

    // WHEN the secret is replaced by a plain-http URL to a remote host, the TTL has passed, and
    // the queued alert comes back
    put_secret(&sm, &arn, "http://hooks.example.com/second-s3cr3t").await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    hook.status.store(200, Ordering::SeqCst);
    let resp = publisher.invoke("publish-findings", &raw_sqs_event("f2", &retries)).expect("the batch is handled");
    // THEN the new value was fetched and rejected, nothing was posted, and the alert record
    // alone is reported failed (the queue retries it, then dead-letters it)
    assert_eq!(batch_failures(&resp), 1, "{resp}");
    assert_eq!(hook.requests().len(), 3, "nothing was posted");

    let log = publisher.function_log("publish-findings");
    assert!(log.contains("alert webhook attempt failed; retrying"), "{log}");
    assert!(log.contains("holds a URL whose scheme is not https"), "{log}");
    assert!(log.contains(&arn), "the log names the secret by its id: {log}");
    assert_no_secret_in("the function log", &log);
}

/// The bodies of the messages on `queue_url` (received and deleted), waiting up to `seconds`
/// for the first (a delayed message becomes visible only after its delay).
async fn receive_bodies(sdk: &aws_config::SdkConfig, queue_url: &str, seconds: u64) -> Vec<String> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
    let mut bodies = Vec::new();
    loop {
        let resp = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(5)
            .send()
            .await
            .expect("receive");
        if resp.messages().is_empty() {
            if !bodies.is_empty() || std::time::Instant::now() > deadline {
                return bodies;
            }
            continue;
        }
        for m in resp.messages() {
            bodies.push(m.body().unwrap_or_default().to_string());
            if let Some(h) = m.receipt_handle() {
                sqs.delete_message().queue_url(queue_url).receipt_handle(h).send().await.expect("delete");
            }
        }
    }
}

/// An SQS event file whose records carry `bodies` as they are.
fn raw_sqs_event(name: &str, bodies: &[String]) -> std::path::PathBuf {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| sqs_record(&format!("{name}-{i}"), "rh", body, "", FINDINGS_QUEUE_ARN))
        .collect();
    let path = scratch_dir().join(format!("alert-webhook-{name}.json"));
    write_sqs_event(&path, records);
    path
}

/// The queue the events say they come from.
const FINDINGS_QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:ztscan-findings";

#[tokio::test]
async fn no_webhook_without_a_secret_id() {
    // GIVEN no ALERT_WEBHOOK_SECRET_ID, and no secret in Secrets Manager
    let m = moto().await;
    let p = create_pipeline(&m.sdk).await;
    let env = p.function_env(&m.endpoint);
    let mut publisher = Emulator::start();
    publisher.run_function("publish-findings", &env);
    // WHEN a new HIGH failure arrives
    let resp = publisher.invoke("publish-findings", &sqs_event("off", &[vec![high("no-hook")]])).expect("batch");
    // THEN it is imported and alerted on SNS as before, and no webhook is involved
    assert_eq!(batch_failures(&resp), 0, "{resp}");
    assert_eq!(security_hub_findings(&m.sdk).await.len(), 1);
    assert_eq!(drain_inbox(&m.sdk, &p.inbox_queue_url).await.len(), 1);
    let log = publisher.function_log("publish-findings");
    assert!(!log.contains("webhook"), "{log}");
}
