//! The alert webhook: forwards the same alerts that go to SNS to a chat or incident tool as an
//! HTTP `POST` with a JSON body.
//!
//! The webhook's URL (and optional `Authorization` header) is a credential: a Slack incoming
//! webhook URL *is* the secret. It is therefore stored only in AWS Secrets Manager and read by
//! secret id through [`crate::secret_store::SecretCache`]. The secret holds either
//!
//! - a plain URL: `https://hooks.slack.com/services/T000/B000/XXXX`, or
//! - a JSON object: `{"url": "https://incident.example.com/hook", "authorization": "Bearer ..."}`
//!   (`authorization` optional, no other fields).
//!
//! The URL must be `https://`; plain `http://` is accepted only for a loopback host (local
//! tests). Neither the URL nor the token is ever logged or put in an error: errors name the
//! secret id and what is wrong, HTTP failures name the status code or the kind of transport
//! failure.
//!
//! The body ([`body`]) is the SNS alert's JSON plus a `text` field, the one field Slack-style
//! incoming webhooks (Slack, Mattermost, Rocket.Chat, Google Chat) need; other tools can route
//! on the structured fields. Delivery ([`HttpWebhookSender`]) uses the hyper/rustls stack the
//! AWS SDK already ships, with a per-attempt timeout and a bounded retry with exponential
//! backoff on 429, 5xx, timeouts and connection errors ([`RetryPolicy`]).

use std::fmt;
use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde_json::{Map, Value};
use url::{Host, Url};

use crate::render::sns::Alert;
use crate::secret_store::{SecretCache, SecretError, SecretSource, SecretString};

/// The JSON form's fields.
const URL_FIELD: &str = "url";
const AUTHORIZATION_FIELD: &str = "authorization";
/// At most this many findings are listed in `text` (the structured `findings` list has more).
pub const MAX_TEXT_FINDINGS: usize = 10;

// ---------------------------------------------------------------------------------------------
// The secret: where to post.
// ---------------------------------------------------------------------------------------------

/// Where alerts are posted, read from the secret. `Debug` is redacted; the fields are private
/// and validated, so a value of this type always has an allowed scheme.
#[derive(Clone)]
pub struct WebhookTarget {
    url: SecretString,
    authorization: Option<SecretString>,
}

impl fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("url", &self.url)
            .field("authorization", &self.authorization.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// What is wrong with the webhook secret. Never quotes the secret's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretProblem {
    #[error("is empty")]
    Empty,
    #[error("starts with `{{` but is not a valid JSON object")]
    NotJson,
    #[error("is a JSON object without a string field `url`")]
    MissingUrl,
    #[error("is a JSON object with a field other than `url` and `authorization`")]
    UnknownField,
    #[error("has an `authorization` that is not a non-empty string usable as an HTTP header value")]
    BadAuthorization,
    #[error("holds a URL that does not parse ({0})")]
    NotAUrl(url::ParseError),
    #[error("holds a URL whose scheme is not https (plain http is allowed only for a loopback host)")]
    Scheme,
    #[error("holds a URL that is not a valid HTTP request target")]
    NotAnHttpUri,
}

/// The webhook secret could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "alert webhook secret `{secret_id}` {problem}; expected an https URL or a JSON object {{\"url\": \"https://...\", \"authorization\": \"...\"}}"
)]
pub struct WebhookConfigError {
    pub secret_id: String,
    pub problem: SecretProblem,
}

impl WebhookTarget {
    /// Read and validate the secret `secret_id` holding `value`.
    pub fn parse(secret_id: &str, value: &SecretString) -> Result<Self, WebhookConfigError> {
        let fail = |problem| WebhookConfigError { secret_id: secret_id.to_string(), problem };
        let text = value.expose().trim();
        if text.is_empty() {
            return Err(fail(SecretProblem::Empty));
        }
        let (url, authorization) = if text.starts_with('{') {
            let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(text) else {
                return Err(fail(SecretProblem::NotJson));
            };
            if fields.keys().any(|k| k != URL_FIELD && k != AUTHORIZATION_FIELD) {
                return Err(fail(SecretProblem::UnknownField));
            }
            let url = match fields.get(URL_FIELD) {
                Some(Value::String(u)) => u.trim().to_string(),
                _ => return Err(fail(SecretProblem::MissingUrl)),
            };
            let authorization = match fields.get(AUTHORIZATION_FIELD) {
                None => None,
                Some(Value::String(a)) if !a.trim().is_empty() && HeaderValue::from_str(a.trim()).is_ok() => {
                    Some(SecretString::new(a.trim()))
                }
                Some(_) => return Err(fail(SecretProblem::BadAuthorization)),
            };
            (url, authorization)
        } else {
            (text.to_string(), None)
        };
        let parsed = Url::parse(&url).map_err(|e| fail(SecretProblem::NotAUrl(e)))?;
        let allowed = match parsed.scheme() {
            "https" => parsed.host().is_some(),
            "http" => is_loopback(&parsed),
            _ => false,
        };
        if !allowed {
            return Err(fail(SecretProblem::Scheme));
        }
        if http::Uri::try_from(parsed.as_str()).is_err() {
            return Err(fail(SecretProblem::NotAnHttpUri));
        }
        Ok(Self { url: SecretString::new(parsed.as_str()), authorization })
    }

    /// Whether an `Authorization` header is sent.
    pub fn has_authorization(&self) -> bool {
        self.authorization.is_some()
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

// ---------------------------------------------------------------------------------------------
// The body (pure).
// ---------------------------------------------------------------------------------------------

/// The JSON body for `alert`: the SNS alert's fields (`source`, `summary`, `accounts`,
/// `highest_severity`, `count`, `omitted`, `findings`) plus `text`, a plain-text summary (the
/// subject, then one line per finding, highest severity first, at most
/// [`MAX_TEXT_FINDINGS`]).
pub fn body(alert: &Alert) -> String {
    let mut fields: Map<String, Value> = serde_json::from_str(&alert.body_json).unwrap_or_default();
    let findings = fields.get("findings").and_then(Value::as_array).cloned().unwrap_or_default();
    let count = fields.get("count").and_then(Value::as_u64).unwrap_or(findings.len() as u64);
    let mut text = alert.subject.clone();
    for f in findings.iter().take(MAX_TEXT_FINDINGS) {
        let field = |name: &str| f.get(name).and_then(Value::as_str).unwrap_or("?").to_string();
        text.push_str(&format!("\n- {} {} on {}", field("severity"), field("rule_id"), field("resource")));
    }
    let shown = findings.len().min(MAX_TEXT_FINDINGS) as u64;
    if count > shown {
        text.push_str(&format!("\n... and {} more", count - shown));
    }
    fields.insert("text".to_string(), Value::String(text));
    Value::Object(fields).to_string()
}

// ---------------------------------------------------------------------------------------------
// Delivery.
// ---------------------------------------------------------------------------------------------

/// Timeouts and the bounded retry of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total (the first one included), at least 1.
    pub max_attempts: u32,
    /// Time allowed to open the TCP connection.
    pub connect_timeout: Duration,
    /// Time allowed for one attempt (connect, TLS, request, response headers).
    pub attempt_timeout: Duration,
    /// The delay after the first failed attempt; doubled after each further one.
    pub base_delay: Duration,
    /// The longest delay (also caps a `Retry-After` header).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts of at most 10 s each, 0.5 s then 1 s apart: at most about 32 s, well inside
    /// the function's 60 s timeout.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            connect_timeout: Duration::from_secs(3),
            attempt_timeout: Duration::from_secs(10),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// Whether an HTTP status is worth another attempt: 429 and every 5xx.
    pub fn is_retryable_status(status: u16) -> bool {
        status == 429 || (500..=599).contains(&status)
    }

    /// The wait after failed attempt number `attempt` (1-based): the server's `Retry-After`
    /// when it sent one, else `base_delay * 2^(attempt-1)`; never more than `max_delay`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exponential = self.base_delay.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        retry_after.unwrap_or(exponential).min(self.max_delay)
    }
}

/// A `Retry-After` header in seconds (the HTTP-date form is ignored: the backoff applies).
fn retry_after(value: Option<&HeaderValue>) -> Option<Duration> {
    value?.to_str().ok()?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// How a transport attempt failed; names no host, path or header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    Timeout,
    Connect(Option<std::io::ErrorKind>),
    Other(Option<std::io::ErrorKind>),
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, kind) = match self {
            Self::Timeout => return f.write_str("timed out"),
            Self::Connect(kind) => ("could not connect", kind),
            Self::Other(kind) => ("the request failed", kind),
        };
        match kind {
            Some(kind) => write!(f, "{what} ({kind})"),
            None => f.write_str(what),
        }
    }
}

/// A delivery that failed after its retries. Names the status or the kind of failure, never
/// the URL or the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the webhook answered HTTP {status} after {attempts} attempt(s)")]
    Status { status: u16, attempts: u32 },
    #[error("the webhook {failure} after {attempts} attempt(s)")]
    Transport { failure: TransportFailure, attempts: u32 },
    #[error("the webhook request could not be built")]
    Request,
}

impl WebhookError {
    /// A status that suggests the URL or token is stale (rotated, revoked, deleted).
    pub fn suggests_stale_secret(&self) -> bool {
        matches!(self, Self::Status { status: 401 | 403 | 404 | 410, .. })
    }
}

/// A successful delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub status: u16,
    pub attempts: u32,
}

/// Port: post a JSON body to a webhook.
pub trait WebhookSender: Send + Sync {
    fn post(&self, target: &WebhookTarget, body: String)
        -> impl Future<Output = Result<Delivery, WebhookError>> + Send;
}

/// The HTTP client could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("could not load the system's TLS root certificates for the alert webhook: {0}")]
pub struct ClientSetupError(#[source] std::io::Error);

/// [`WebhookSender`] over hyper with rustls (aws-lc-rs, the system's root certificates).
#[derive(Clone)]
pub struct HttpWebhookSender {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    policy: RetryPolicy,
}

impl fmt::Debug for HttpWebhookSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpWebhookSender").field("policy", &self.policy).finish()
    }
}

impl HttpWebhookSender {
    pub fn new(policy: RetryPolicy) -> Result<Self, ClientSetupError> {
        let mut http = HttpConnector::new();
        // The TLS connector decides the scheme; `WebhookTarget` allows http only for loopback.
        http.enforce_http(false);
        http.set_connect_timeout(Some(policy.connect_timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
            .map_err(ClientSetupError)?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).pool_timer(TokioTimer::new()).build(https);
        Ok(Self { client, policy: RetryPolicy { max_attempts: policy.max_attempts.max(1), ..policy } })
    }

    fn request(&self, target: &WebhookTarget, body: &Bytes) -> Result<http::Request<Full<Bytes>>, WebhookError> {
        let mut builder = http::Request::post(target.url.expose())
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, concat!("ztscan/", env!("CARGO_PKG_VERSION")));
        if let Some(auth) = &target.authorization {
            let mut value = HeaderValue::from_str(auth.expose()).map_err(|_| WebhookError::Request)?;
            value.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, value);
        }
        builder.body(Full::new(body.clone())).map_err(|_| WebhookError::Request)
    }

    /// One attempt: the status and `Retry-After`, or how the transport failed.
    async fn attempt(&self, request: http::Request<Full<Bytes>>) -> Result<(u16, Option<Duration>), TransportFailure> {
        match tokio::time::timeout(self.policy.attempt_timeout, self.client.request(request)).await {
            Err(_) => Err(TransportFailure::Timeout),
            Ok(Ok(response)) => Ok((response.status().as_u16(), retry_after(response.headers().get(RETRY_AFTER)))),
            Ok(Err(e)) => {
                let kind = io_kind(&e);
                Err(if e.is_connect() { TransportFailure::Connect(kind) } else { TransportFailure::Other(kind) })
            }
        }
    }
}

/// The `io::ErrorKind` somewhere in an error's source chain (no message text: it could name
/// the host).
fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        current = err.source();
    }
    None
}

impl WebhookSender for HttpWebhookSender {
    async fn post(&self, target: &WebhookTarget, body: String) -> Result<Delivery, WebhookError> {
        let body = Bytes::from(body);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let outcome = self.attempt(self.request(target, &body)?).await;
            let (error, wait) = match outcome {
                Ok((status, _)) if (200..300).contains(&status) => return Ok(Delivery { status, attempts }),
                Ok((status, retry_after)) if RetryPolicy::is_retryable_status(status) => {
                    (WebhookError::Status { status, attempts }, retry_after)
                }
                Ok((status, _)) => return Err(WebhookError::Status { status, attempts }),
                Err(failure) => (WebhookError::Transport { failure, attempts }, None),
            };
            if attempts >= self.policy.max_attempts {
                return Err(error);
            }
            tracing::warn!(attempt = attempts, error = %error, "alert webhook attempt failed; retrying");
            tokio::time::sleep(self.policy.delay(attempts, wait)).await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Forwarding: secret + body + delivery.
// ---------------------------------------------------------------------------------------------

/// Why an alert could not be forwarded.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("alert webhook: {0}")]
    Secret(#[source] SecretError),
    #[error("{0}")]
    Config(#[source] WebhookConfigError),
    #[error("alert webhook (secret `{secret_id}`): {source}")]
    Delivery {
        secret_id: String,
        #[source]
        source: WebhookError,
    },
}

/// Port: where alerts are forwarded besides SNS.
pub trait AlertForwarder {
    fn forward(&self, alert: &Alert) -> impl Future<Output = Result<Delivery, ForwardError>> + Send;
}

/// [`AlertForwarder`] to the webhook named by a Secrets Manager secret.
pub struct WebhookForwarder<S, W> {
    secrets: SecretCache<S>,
    secret_id: String,
    sender: W,
}

impl<S, W> fmt::Debug for WebhookForwarder<S, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookForwarder").field("secret_id", &self.secret_id).finish_non_exhaustive()
    }
}

impl<S: SecretSource, W: WebhookSender> WebhookForwarder<S, W> {
    pub fn new(secrets: SecretCache<S>, secret_id: impl Into<String>, sender: W) -> Self {
        Self { secrets, secret_id: secret_id.into(), sender }
    }

    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }
}

impl<S: SecretSource, W: WebhookSender> AlertForwarder for WebhookForwarder<S, W> {
    async fn forward(&self, alert: &Alert) -> Result<Delivery, ForwardError> {
        let secret = self.secrets.get(&self.secret_id).await.map_err(ForwardError::Secret)?;
        let target = match WebhookTarget::parse(&self.secret_id, &secret) {
            Ok(t) => t,
            Err(e) => {
                // A corrected secret is picked up on the next attempt, not after the TTL.
                self.secrets.invalidate(&self.secret_id);
                return Err(ForwardError::Config(e));
            }
        };
        match self.sender.post(&target, body(alert)).await {
            Ok(delivery) => Ok(delivery),
            Err(source) => {
                if source.suggests_stale_secret() {
                    self.secrets.invalidate(&self.secret_id);
                }
                Err(ForwardError::Delivery { secret_id: self.secret_id.clone(), source })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;
    use crate::model::Severity;

    const URL: &str = "https://hooks.example.com/services/T000/B000/s3cr3tpath";
    const TOKEN: &str = "Bearer tok-5up3r-s3cr3t";

    fn target(secret: &str) -> Result<WebhookTarget, WebhookConfigError> {
        WebhookTarget::parse("ztscan/webhook", &SecretString::new(secret))
    }

    fn problem(secret: &str) -> SecretProblem {
        target(secret).unwrap_err().problem
    }

    #[test]
    fn a_plain_https_url_is_a_target_without_authorization() {
        let t = target(&format!("  {URL}\n")).unwrap();
        assert_eq!(t.url.expose(), URL);
        assert!(!t.has_authorization());
    }

    #[test]
    fn a_json_secret_gives_the_url_and_authorization() {
        let t = target(&format!(r#"{{"url": "{URL}", "authorization": "{TOKEN}"}}"#)).unwrap();
        assert_eq!(t.url.expose(), URL);
        assert_eq!(t.authorization.as_ref().map(SecretString::expose), Some(TOKEN));
        let t = target(&format!(r#"{{"url": "{URL}"}}"#)).unwrap();
        assert!(!t.has_authorization());
    }

    #[test]
    fn malformed_secrets_are_rejected_with_the_reason() {
        let cases: &[(&str, SecretProblem)] = &[
            ("", SecretProblem::Empty),
            ("   ", SecretProblem::Empty),
            ("{not json", SecretProblem::NotJson),
            (r#"{"authorization": "Bearer x"}"#, SecretProblem::MissingUrl),
            (r#"{"url": 7}"#, SecretProblem::MissingUrl),
            (r#"{"url": "https://a.example/x", "token": "y"}"#, SecretProblem::UnknownField),
            (r#"{"url": "https://a.example/x", "authorization": ""}"#, SecretProblem::BadAuthorization),
            (r#"{"url": "https://a.example/x", "authorization": 5}"#, SecretProblem::BadAuthorization),
            (
                "{\"url\": \"https://a.example/x\", \"authorization\": \"Bearer a\\r\\nX-Injected: 1\"}",
                SecretProblem::BadAuthorization,
            ),
            ("hooks.example.com/x", SecretProblem::NotAUrl(url::ParseError::RelativeUrlWithoutBase)),
            ("http://hooks.example.com/x", SecretProblem::Scheme),
            ("http://10.0.0.1/x", SecretProblem::Scheme),
            ("ftp://hooks.example.com/x", SecretProblem::Scheme),
            ("mailto:ops@example.com", SecretProblem::Scheme),
        ];
        for (secret, expected) in cases {
            assert_eq!(&problem(secret), expected, "secret {secret:?}");
        }
    }

    #[test]
    fn plain_http_is_allowed_for_loopback_only() {
        for ok in ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9000/hook", "http://127.1.2.3/"]
        {
            assert!(target(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn errors_name_the_secret_id_and_problem_never_the_content() {
        let cases = [
            format!(r#"{{"url": "http://hooks.example.com/s3cr3tpath", "authorization": "{TOKEN}"}}"#),
            format!(r#"{{"url": "{URL}", "authorization": "{TOKEN}", "extra": "s3cr3tpath"}}"#),
            "{\"url\": \"s3cr3tpath".to_string(),
            "s3cr3tpath".to_string(),
        ];
        for secret in cases {
            let err = target(&secret).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(text.contains("ztscan/webhook"), "{text}");
            assert!(!text.contains("s3cr3t") && !text.contains("tok-"), "{text}");
        }
        assert_eq!(
            target("http://hooks.example.com/x").unwrap_err().to_string(),
            "alert webhook secret `ztscan/webhook` holds a URL whose scheme is not https (plain http is allowed only for a loopback host); expected an https URL or a JSON object {\"url\": \"https://...\", \"authorization\": \"...\"}"
        );
    }

    #[test]
    fn a_target_debug_is_redacted() {
        let t = target(&format!(r#"{{"url": "{URL}", "authorization": "{TOKEN}"}}"#)).unwrap();
        let debug = format!("{t:?}");
        assert!(!debug.contains("s3cr3t") && !debug.contains("tok-"), "{debug}");
    }

    fn alert_of(n: usize) -> Alert {
        let findings: Vec<Value> = (0..n)
            .map(|i| {
                serde_json::json!({"severity": "HIGH", "rule_id": "s3.bucket-not-public", "resource": format!("arn:aws:s3:::b{i}")})
            })
            .collect();
        Alert {
            subject: format!("ztscan: {n} new failing findings in 123456789012 (highest HIGH)"),
            body_json: serde_json::json!({"source": "ztscan", "count": n, "omitted": 0, "findings": findings})
                .to_string(),
            severity: Severity::High,
        }
    }

    #[test]
    fn the_body_is_the_alert_plus_a_text_summary() {
        let b: Value = serde_json::from_str(&body(&alert_of(2))).unwrap();
        assert_eq!(
            b["text"],
            "ztscan: 2 new failing findings in 123456789012 (highest HIGH)\n\
             - HIGH s3.bucket-not-public on arn:aws:s3:::b0\n\
             - HIGH s3.bucket-not-public on arn:aws:s3:::b1"
        );
        assert_eq!(b["source"], "ztscan");
        assert_eq!(b["count"], 2);
        assert_eq!(b["findings"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn the_text_lists_at_most_ten_findings_and_counts_the_rest() {
        let b: Value = serde_json::from_str(&body(&alert_of(13))).unwrap();
        let text = b["text"].as_str().unwrap();
        assert_eq!(text.lines().count(), 1 + MAX_TEXT_FINDINGS + 1, "{text}");
        assert!(text.ends_with("\n... and 3 more"), "{text}");
    }

    #[test]
    fn the_body_of_a_real_alert_names_its_findings() {
        use crate::model::Finding;
        let f = Finding {
            rule_id: "s3.bucket-not-public".into(),
            severity: Severity::Critical,
            reason: "public".into(),
            ..Finding::fixture("demo")
        };
        let alert = crate::render::sns::alert(&[f]).unwrap();
        let b: Value = serde_json::from_str(&body(&alert)).unwrap();
        assert_eq!(
            b["text"],
            "ztscan: 1 new failing finding in 123456789012 (highest CRITICAL)\n- CRITICAL s3.bucket-not-public on arn:aws:s3:::demo"
        );
        assert_eq!(b["highest_severity"], "CRITICAL");
    }

    #[test]
    fn retry_policy_retries_429_and_5xx_only() {
        for s in [429, 500, 502, 503, 599] {
            assert!(RetryPolicy::is_retryable_status(s), "{s}");
        }
        for s in [200, 301, 400, 401, 403, 404, 410, 413, 600] {
            assert!(!RetryPolicy::is_retryable_status(s), "{s}");
        }
    }

    #[test]
    fn retry_delay_doubles_and_is_capped_and_honours_retry_after() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1, None), Duration::from_millis(500));
        assert_eq!(p.delay(2, None), Duration::from_secs(1));
        assert_eq!(p.delay(3, None), Duration::from_secs(2));
        assert_eq!(p.delay(10, None), Duration::from_secs(5));
        assert_eq!(p.delay(40, None), Duration::from_secs(5));
        assert_eq!(p.delay(1, Some(Duration::from_secs(2))), Duration::from_secs(2));
        assert_eq!(p.delay(1, Some(Duration::from_secs(3600))), Duration::from_secs(5));
        assert_eq!(retry_after(Some(&HeaderValue::from_static(" 3 "))), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(Some(&HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"))), None);
    }

    #[test]
    fn transport_errors_read_well() {
        let e = WebhookError::Transport {
            failure: TransportFailure::Connect(Some(std::io::ErrorKind::ConnectionRefused)),
            attempts: 3,
        };
        assert_eq!(e.to_string(), "the webhook could not connect (connection refused) after 3 attempt(s)");
        let e = WebhookError::Transport { failure: TransportFailure::Timeout, attempts: 1 };
        assert_eq!(e.to_string(), "the webhook timed out after 1 attempt(s)");
    }

    /// A loopback HTTP/1.1 receiver answering each request with the next status of `statuses`
    /// (the last one repeats), recording each request's head and body.
    struct Receiver {
        url: String,
        requests: Arc<Mutex<Vec<(String, String)>>>,
    }

    async fn receiver(statuses: &[u16]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook/s3cr3tpath", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let statuses: Arc<Mutex<VecDeque<u16>>> = Arc::new(Mutex::new(statuses.iter().copied().collect()));
        let seen = Arc::clone(&requests);
        tokio::spawn(async move {
            loop {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, body) = loop {
                    let n = stream.read(&mut chunk).await.unwrap();
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let len = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string())
                            })
                            .and_then(|v| v.parse::<usize>().ok())
                            .unwrap_or(0);
                        if body.len() >= len || n == 0 {
                            break (head.to_string(), body.to_string());
                        }
                    }
                };
                seen.lock().unwrap().push((head, body));
                let status = {
                    let mut s = statuses.lock().unwrap();
                    if s.len() > 1 {
                        s.pop_front().unwrap()
                    } else {
                        s[0]
                    }
                };
                let resp = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                stream.write_all(resp.as_bytes()).await.unwrap();
                let _ = stream.shutdown().await;
            }
        });
        Receiver { url, requests }
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            attempt_timeout: Duration::from_secs(5),
            ..RetryPolicy::default()
        }
    }

    #[tokio::test]
    async fn posts_the_body_with_content_type_and_authorization() {
        let r = receiver(&[204]).await;
        let t = target(&format!(r#"{{"url": "{}", "authorization": "{TOKEN}"}}"#, r.url)).unwrap();
        let sender = HttpWebhookSender::new(fast()).unwrap();
        let d = sender.post(&t, "{\"text\":\"hi\"}".into()).await.unwrap();
        assert_eq!(d, Delivery { status: 204, attempts: 1 });
        let requests = r.requests.lock().unwrap();
        assert_eq!(requests.len(), 1);
        let (head, body) = &requests[0];
        assert!(head.starts_with("POST /hook/s3cr3tpath HTTP/1.1"), "{head}");
        let lower = head.to_ascii_lowercase();
        assert!(lower.contains("content-type: application/json"), "{head}");
        assert!(head.contains(&format!("authorization: {TOKEN}")), "{head}");
        assert_eq!(body, "{\"text\":\"hi\"}");
    }

    #[tokio::test]
    async fn a_5xx_then_success_is_retried() {
        let r = receiver(&[503, 429, 200]).await;
        let sender = HttpWebhookSender::new(fast()).unwrap();
        let d = sender.post(&target(&r.url).unwrap(), "{}".into()).await.unwrap();
        assert_eq!(d, Delivery { status: 200, attempts: 3 });
        assert_eq!(r.requests.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn a_persistent_500_fails_after_the_bounded_attempts() {
        let r = receiver(&[500]).await;
        let sender = HttpWebhookSender::new(fast()).unwrap();
        let err = sender.post(&target(&r.url).unwrap(), "{}".into()).await.unwrap_err();
        assert_eq!(err, WebhookError::Status { status: 500, attempts: 3 });
        assert_eq!(r.requests.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn a_4xx_is_not_retried() {
        let r = receiver(&[400]).await;
        let sender = HttpWebhookSender::new(fast()).unwrap();
        let err = sender.post(&target(&r.url).unwrap(), "{}".into()).await.unwrap_err();
        assert_eq!(err, WebhookError::Status { status: 400, attempts: 1 });
        assert_eq!(r.requests.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_refused_connection_is_retried_then_reported_without_the_url() {
        // A port that was free a moment ago: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let sender = HttpWebhookSender::new(fast()).unwrap();
        let err = sender.post(&target(&format!("http://127.0.0.1:{port}/s3cr3tpath")).unwrap(), "{}".into()).await;
        let err = err.unwrap_err();
        assert!(
            matches!(err, WebhookError::Transport { failure: TransportFailure::Connect(_), attempts: 3 }),
            "{err:?}"
        );
        assert!(!err.to_string().contains("s3cr3t") && !err.to_string().contains(&port.to_string()), "{err}");
    }

    // The forwarder, with fakes for the secret and the sender.

    struct FixedSecret {
        value: Mutex<String>,
        fetches: AtomicUsize,
    }

    impl SecretSource for Arc<FixedSecret> {
        async fn fetch(&self, _id: &str) -> Result<SecretString, SecretError> {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            Ok(SecretString::new(self.value.lock().unwrap().clone()))
        }
    }

    struct Answer(Result<Delivery, WebhookError>, Mutex<Vec<String>>);

    impl WebhookSender for Answer {
        async fn post(&self, _target: &WebhookTarget, body: String) -> Result<Delivery, WebhookError> {
            self.1.lock().unwrap().push(body);
            self.0.clone()
        }
    }

    fn forwarder(
        secret: &str,
        answer: Result<Delivery, WebhookError>,
    ) -> (WebhookForwarder<Arc<FixedSecret>, Answer>, Arc<FixedSecret>) {
        let source = Arc::new(FixedSecret { value: Mutex::new(secret.into()), fetches: AtomicUsize::new(0) });
        let f = WebhookForwarder::new(
            SecretCache::new(Arc::clone(&source)),
            "ztscan/webhook",
            Answer(answer, Mutex::default()),
        );
        (f, source)
    }

    #[tokio::test]
    async fn the_forwarder_reads_the_secret_once_and_posts_the_body() {
        let (f, source) = forwarder(URL, Ok(Delivery { status: 200, attempts: 1 }));
        f.forward(&alert_of(1)).await.unwrap();
        f.forward(&alert_of(2)).await.unwrap();
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1);
        let bodies = f.sender.1.lock().unwrap();
        assert_eq!(bodies.len(), 2);
        assert_eq!(bodies[1], body(&alert_of(2)));
    }

    #[tokio::test]
    async fn a_malformed_secret_is_a_config_error_and_is_fetched_again_next_time() {
        let (f, source) = forwarder("http://hooks.example.com/s3cr3tpath", Ok(Delivery { status: 200, attempts: 1 }));
        let err = f.forward(&alert_of(1)).await.unwrap_err();
        assert!(matches!(err, ForwardError::Config(_)), "{err:?}");
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
        // The operator fixes the secret: the next batch uses it at once.
        *source.value.lock().unwrap() = URL.into();
        f.forward(&alert_of(1)).await.unwrap();
        assert_eq!(source.fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_stale_looking_status_refetches_the_secret_but_a_5xx_does_not() {
        let (f, source) = forwarder(URL, Err(WebhookError::Status { status: 404, attempts: 1 }));
        let err = f.forward(&alert_of(1)).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "alert webhook (secret `ztscan/webhook`): the webhook answered HTTP 404 after 1 attempt(s)"
        );
        f.forward(&alert_of(1)).await.unwrap_err();
        assert_eq!(source.fetches.load(Ordering::SeqCst), 2);

        let (f, source) = forwarder(URL, Err(WebhookError::Status { status: 500, attempts: 3 }));
        f.forward(&alert_of(1)).await.unwrap_err();
        f.forward(&alert_of(1)).await.unwrap_err();
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1);
    }
}
