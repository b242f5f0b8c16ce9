//! No fallback invents a fact: for every collector, each operation it calls is failed in turn,
//! and no finding may differ from the clean run except by becoming UNKNOWN.
//!
//! One table-driven harness for all collectors. Each audit's demo data is seeded on moto; a
//! clean scan goes through the scanner's own SDK configuration (with the response guard) and
//! records the operations it calls; then, for each operation, a scan runs with every request
//! of that operation answered by an HTTP 500 without a body (one attempt, no retry). Then:
//!
//! - a finding present in both runs has the clean status, or is UNKNOWN;
//! - a finding only in the failed run (e.g. the listing-level finding of a failed listing) is
//!   UNKNOWN;
//! - at least one finding is UNKNOWN naming the failure: a failed read that changes nothing is
//!   a read whose failure was swallowed.
//!
//! Real SDK clients against moto (the operation is told from the request: the query `Action`,
//! the awsJson target, or the REST method and path shape), so the collectors' real code paths
//! run, pagination included.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex};

use aws_config::retry::RetryConfig;
use aws_config::SdkConfig;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use ztscan::audit;
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::{moto, seed, ACCOUNT, REGION};

/// The operation a request calls, told from the request alone.
fn operation(request: &HttpRequest) -> String {
    let body = request.body().bytes().map(|b| String::from_utf8_lossy(b).to_string()).unwrap_or_default();
    if let Some(action) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        return action.to_string();
    }
    if let Some(target) = request.headers().get("x-amz-target") {
        return target.to_string();
    }
    // REST: the method and the path's shape (literal words kept, names and ids starred), and
    // the query's parameter names (S3 sub-resources such as `?policy`).
    let uri = request.uri();
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let path = path.splitn(4, '/').nth(3).unwrap_or_default();
    let shape: Vec<&str> = path
        .split('/')
        .map(|s| {
            let literal = !s.is_empty()
                && (s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
                    || (s.len() == 10 && s.as_bytes()[4] == b'-'));
            if literal {
                s
            } else {
                "*"
            }
        })
        .collect();
    let mut params: Vec<&str> =
        query.split('&').filter_map(|kv| kv.split('=').next()).filter(|k| !k.is_empty()).collect();
    params.sort_unstable();
    format!("{} /{}?{}", request.method(), shape.join("/"), params.join("&"))
}

/// The scanner's HTTP client with one operation failing: every request of `fail` is answered
/// by an HTTP 500 without a body; every operation called is recorded.
#[derive(Clone)]
struct FailOne {
    inner: SharedHttpClient,
    fail: Option<String>,
    seen: Arc<Mutex<BTreeSet<String>>>,
}

impl fmt::Debug for FailOne {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FailOne({:?})", self.fail)
    }
}

struct FailOneConnector {
    inner: SharedHttpConnector,
    fail: Option<String>,
    seen: Arc<Mutex<BTreeSet<String>>>,
}

impl fmt::Debug for FailOneConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FailOneConnector")
    }
}

impl HttpConnector for FailOneConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let op = operation(&request);
        self.seen.lock().expect("seen").insert(op.clone());
        if self.fail.as_deref() == Some(op.as_str()) {
            let response = HttpResponse::new(StatusCode::try_from(500).expect("500"), SdkBody::empty());
            return HttpConnectorFuture::ready(Ok(response));
        }
        let answer = self.inner.call(request);
        if op != "DescribeStacks" {
            return answer;
        }
        HttpConnectorFuture::new(async move { Ok(mask_no_echo(answer.await?).await) })
    }
}

/// A `DescribeStacks` answer as AWS gives it: moto returns a `NoEcho` parameter's value in
/// clear, AWS masks it as `****`. Without this, a failed `GetTemplateSummary` (which declares
/// the parameter `NoEcho`) would let the seeded value be scanned: a fact only moto invents.
async fn mask_no_echo(response: HttpResponse) -> HttpResponse {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = aws_smithy_types::byte_stream::ByteStream::new(response.into_body())
        .collect()
        .await
        .expect("moto's DescribeStacks body")
        .into_bytes();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let key = format!("<ParameterKey>{}</ParameterKey>", seed::cloudformation::NO_ECHO_PARAMETER);
    // Each parameter entry of the NoEcho key: its value (after the key, before the entry ends)
    // becomes `****`.
    let mut masked = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find(&key) {
        let entry_end = rest[at..].find("</member>").map_or(rest.len(), |e| at + e);
        let entry = &rest[at..entry_end];
        masked.push_str(&rest[..at]);
        match (entry.find("<ParameterValue>"), entry.find("</ParameterValue>")) {
            (Some(open), Some(close)) if open < close => {
                masked.push_str(&entry[..open + "<ParameterValue>".len()]);
                masked.push_str("****");
                masked.push_str(&entry[close..]);
            }
            _ => masked.push_str(entry),
        }
        rest = &rest[entry_end..];
    }
    masked.push_str(rest);
    let mut out = HttpResponse::new(status, SdkBody::from(masked));
    for (name, value) in headers.iter() {
        if !name.eq_ignore_ascii_case("content-length") {
            out.headers_mut().insert(name.to_string(), value.to_string());
        }
    }
    out
}

impl HttpClient for FailOne {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(FailOneConnector {
            inner: self.inner.http_connector(settings, components),
            fail: self.fail.clone(),
            seen: self.seen.clone(),
        })
    }
}

/// The scanner's configuration for moto (guarded), one attempt per call, failing `fail`.
fn failing(sdk: &SdkConfig, fail: Option<String>, seen: &Arc<Mutex<BTreeSet<String>>>) -> SdkConfig {
    let guarded = ztscan::collect::aws::guarded(sdk.clone());
    let inner = guarded.http_client().expect("the guard's client");
    guarded
        .into_builder()
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .http_client(FailOne { inner, fail, seen: seen.clone() })
        .build()
}

/// A full scan of `audit` through its registry entry, as the CLI and the functions run it.
async fn scan(audit: &audit::Descriptor, sdk: &SdkConfig) -> Vec<Finding> {
    // unused_days 0: the seeded roles are minutes old, and a younger role than unused_days is
    // NOT_APPLICABLE before its Access Advisor data is read, which would hide a swallowed
    // failure of that read.
    let config = ScanConfig { account_regions: vec![REGION.to_string()], unused_days: 0, ..ScanConfig::default() };
    let ctx = ScanContext::new(ACCOUNT, REGION, chrono::Utc::now(), config.clone());
    (audit.connect)(sdk, &config, None).scan_all(&ctx).await.findings
}

fn by_key(findings: &[Finding]) -> BTreeMap<(String, String), &Finding> {
    findings.iter().map(|f| ((f.rule_id.clone(), f.resource.uid().to_string()), f)).collect()
}

/// Reads whose failure rightly changes no finding, because the verdict they would feed is
/// already decided by another fact (a rule stops at a definite FAIL), each with why.
const DECIDED_WITHOUT: &[(&str, &str)] = &[(
    "GET /zt-public-policy/*?acl",
    "the bucket's policy already makes it public: s3.bucket-not-public FAILs without reading its ACL",
)];

/// Fails each operation of `which` in turn; returns the problems found (empty: none).
async fn fail_each_operation(which: &audit::Descriptor) -> Vec<String> {
    let m = moto().await;
    if let Err(e) = seed::seed_demo_of(which.name, &m.sdk).await {
        return vec![e];
    }
    let which = which.name;
    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let clean = scan(descriptor(which), &failing(&m.sdk, None, &seen)).await;
    let clean_keys = by_key(&clean);
    let operations: Vec<String> = seen.lock().expect("seen").iter().cloned().collect();
    assert!(!operations.is_empty(), "{which:?}: the clean scan called AWS");
    let mut problems = Vec::new();
    for op in operations {
        let faulted = scan(descriptor(which), &failing(&m.sdk, Some(op.clone()), &Arc::default())).await;
        // An operation the clean run already reports as failing (moto lacks some APIs) fails
        // the same way: that is noticed already.
        let mut noticed = clean.iter().any(|c| c.status == Status::Unknown && c.reason.contains(op.as_str()));
        for (key, f) in by_key(&faulted) {
            if f.status == Status::Unknown {
                noticed |= clean_keys.get(&key).is_none_or(|c| c.status != Status::Unknown || c.reason != f.reason);
                continue;
            }
            match clean_keys.get(&key) {
                Some(c) if c.status == f.status => {}
                Some(c) => problems.push(format!(
                    "{which:?}, {op} failing: {} on {} went from {} to {} ({})",
                    key.0,
                    key.1,
                    c.status.as_str(),
                    f.status.as_str(),
                    f.reason
                )),
                None => problems.push(format!(
                    "{which:?}, {op} failing: a new {} finding {} on {} ({})",
                    f.status.as_str(),
                    key.0,
                    key.1,
                    f.reason
                )),
            }
        }
        if !noticed && !DECIDED_WITHOUT.iter().any(|(decided, _)| *decided == op) {
            problems.push(format!("{which:?}, {op} failing: no finding became UNKNOWN (the failure was swallowed)"));
        }
    }
    problems
}

fn descriptor(name: &str) -> &'static audit::Descriptor {
    audit::by_name(name).expect("an audit of the registry")
}

/// Every audit of the registry, each over its own demo data (`seed::seed_demo_of`): a new
/// audit is covered without a line here.
#[tokio::test]
async fn no_collector_invents_a_fact() {
    let mut problems = Vec::new();
    for audit in audit::AUDITS {
        problems.extend(fail_each_operation(audit).await);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
