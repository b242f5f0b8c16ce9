//! The fault layer: an HTTP/1.1 proxy between the SDK and moto that misbehaves the way AWS
//! does, reproducibly.
//!
//! Every request is identified as an API: the service from the SigV4 credential scope of its
//! `Authorization` header, the protocol and the operation from `X-Amz-Target` (awsJson),
//! `Action=` in a form body (query, and ec2 for the `ec2` service), or the method and a
//! normalised path for the REST protocols (identifiers replaced by `{}`: `lambda:GET
//! /2015-03-31/functions/{}/policy`). The proxy logs each request with its API, its arrival
//! time and the fault it got, so tests can count faults and measure request rates per API.
//!
//! A request gets a fault with probability [`FaultPlan::rate`]. The choice is a hash of the
//! seed, the request's method, path, query and body, and how many identical requests came
//! before it, so a seed gives the same faults whatever order concurrent requests arrive in.
//! The faults ([`FaultKind`]):
//!
//! - **throttle**: the protocol's own throttling error: rest-xml S3 `503 <Error><Code>SlowDown`;
//!   query (IAM, SNS, STS, CloudFormation) and rest-xml S3 Control `400 <ErrorResponse><Error>
//!   <Code>Throttling`; ec2 `503 <Response><Errors><Error><Code>RequestLimitExceeded`; awsJson
//!   `400 {"__type":"ThrottlingException"}` (SQS adds `x-amzn-query-error`); rest-json `429` with
//!   `x-amzn-ErrorType: TooManyRequestsException`;
//! - **server error**: the same shapes with a 500 `InternalError`/`InternalFailure`
//!   (rest-json: `ServiceException`);
//! - **drop**: the request is read, then the connection is closed without an answer;
//! - **latency**: the answer is held back for 200 to 1,200 ms, then delivered intact;
//! - **truncate**: a `200` answer is cut at a point inside its body and sent with a
//!   `Content-Length` that matches the cut body (answers that are not `200` or have fewer than
//!   two bytes of body pass unchanged).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does to a request chosen for a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    Throttle,
    ServerError,
    Drop,
    Latency,
    Truncate,
}

impl FaultKind {
    pub const ALL: [FaultKind; 5] =
        [FaultKind::Throttle, FaultKind::ServerError, FaultKind::Drop, FaultKind::Latency, FaultKind::Truncate];

    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Throttle => "throttle",
            FaultKind::ServerError => "5xx",
            FaultKind::Drop => "drop",
            FaultKind::Latency => "latency",
            FaultKind::Truncate => "truncate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which requests get which faults.
#[derive(Debug, Clone)]
pub struct FaultPlan {
    pub seed: u64,
    /// The share of requests that get a fault, 0.0 to 1.0.
    pub rate: f64,
    /// The faults to choose from, equally likely.
    pub kinds: Vec<FaultKind>,
    /// The services (signing names, `s3control` for S3 Control) whose requests may get a fault;
    /// empty: every service.
    pub services: Vec<String>,
}

impl FaultPlan {
    /// No faults: the proxy only forwards and logs.
    pub fn none() -> Self {
        Self { seed: 0, rate: 0.0, kinds: FaultKind::ALL.to_vec(), services: Vec::new() }
    }

    /// Every kind of fault, on `rate` of the requests.
    pub fn all(seed: u64, rate: f64) -> Self {
        Self { seed, rate, kinds: FaultKind::ALL.to_vec(), services: Vec::new() }
    }

    /// Only requests to these services get faults.
    pub fn only(mut self, services: &[&str]) -> Self {
        self.services = services.iter().map(|s| s.to_string()).collect();
        self
    }

    /// The fault for a request to `service` whose content hashes to `digest`, if any.
    fn fault_for(&self, service: &str, digest: u64) -> Option<FaultKind> {
        if !self.services.is_empty() && !self.services.iter().any(|s| s == service) {
            return None;
        }
        self.choose(digest)
    }

    /// The fault for a request whose content hashes to `digest`, if any.
    fn choose(&self, digest: u64) -> Option<FaultKind> {
        let draw = mix(digest ^ self.seed);
        let unit = (draw >> 11) as f64 / (1u64 << 53) as f64;
        if self.kinds.is_empty() || unit >= self.rate {
            return None;
        }
        Some(self.kinds[(mix(draw) % self.kinds.len() as u64) as usize])
    }
}

/// The wire protocol of a request, which decides the shape of its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// S3: errors are a bare `<Error>`.
    RestXmlUnwrapped,
    /// S3 Control: errors are wrapped in `<ErrorResponse>`.
    RestXml,
    Query,
    Ec2,
    AwsJson,
    RestJson,
}

/// The API a request calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    /// The SigV4 signing name (`lambda`, `s3`, `events`, ...), `s3control` for S3 Control.
    pub service: String,
    /// The operation (`ListQueues`), or for REST protocols the method and normalised path.
    pub operation: String,
    pub protocol: Protocol,
}

impl Api {
    /// `service:operation`.
    pub fn label(&self) -> String {
        format!("{}:{}", self.service, self.operation)
    }
}

/// One request the proxy saw.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub api: String,
    /// Arrival time since the proxy started.
    pub at: Duration,
    pub fault: Option<FaultKind>,
}

/// Counts over everything the proxy saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultSummary {
    pub requests: usize,
    pub faults: BTreeMap<FaultKind, usize>,
    pub per_api: BTreeMap<String, usize>,
}

impl FaultSummary {
    pub fn total_faults(&self) -> usize {
        self.faults.values().sum()
    }
}

impl fmt::Display for FaultSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} requests, {} faults (", self.requests, self.total_faults())?;
        let parts: Vec<String> =
            FaultKind::ALL.iter().map(|k| format!("{} {}", k, self.faults.get(k).copied().unwrap_or(0))).collect();
        write!(f, "{})", parts.join(", "))
    }
}

#[derive(Debug)]
struct State {
    upstream: String,
    plan: Mutex<FaultPlan>,
    started: Instant,
    log: Mutex<Vec<RequestRecord>>,
    seen: Mutex<HashMap<u64, u64>>,
}

/// A running fault layer on a loopback port, stopped on drop. It runs on its own runtime
/// (two worker threads), so a test that blocks its own thread on a child process (the CLI, a
/// `cargo lambda invoke`) does not stall the proxy the child talks to.
#[derive(Debug)]
pub struct FaultProxy {
    pub port: u16,
    state: Arc<State>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FaultProxy {
    /// Listen on a free loopback port and forward to `upstream` (`http://host:port`).
    pub fn start(upstream: &str, plan: FaultPlan) -> std::io::Result<Self> {
        Self::start_on(upstream, plan, 0)
    }

    /// As [`FaultProxy::start`], on `port` (0: any free port).
    pub fn start_on(upstream: &str, plan: FaultPlan, port: u16) -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(State {
            upstream: upstream.trim_start_matches("http://").trim_end_matches('/').to_string(),
            plan: Mutex::new(plan),
            started: Instant::now(),
            log: Mutex::new(Vec::new()),
            seen: Mutex::new(HashMap::new()),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let accepting = state.clone();
        runtime.spawn(async move {
            let Ok(listener) = TcpListener::from_std(listener) else { return };
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve_connection(stream, accepting.clone()));
            }
        });
        Ok(Self { port, state, runtime: Some(runtime) })
    }

    /// The URL to give the SDK as its endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Change the plan for the requests that follow.
    pub fn set_plan(&self, plan: FaultPlan) {
        *lock(&self.state.plan) = plan;
    }

    /// Forget the requests seen so far (the log and the repeat counts).
    pub fn clear(&self) {
        lock(&self.state.log).clear();
        lock(&self.state.seen).clear();
    }

    /// Every request seen so far, in arrival order.
    pub fn records(&self) -> Vec<RequestRecord> {
        lock(&self.state.log).clone()
    }

    /// Requests and faults so far.
    pub fn summary(&self) -> FaultSummary {
        summarise(&lock(&self.state.log))
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Counts over `records`.
pub fn summarise(records: &[RequestRecord]) -> FaultSummary {
    let mut s = FaultSummary { requests: records.len(), ..FaultSummary::default() };
    for r in records {
        *s.per_api.entry(r.api.clone()).or_default() += 1;
        if let Some(k) = r.fault {
            *s.faults.entry(k).or_default() += 1;
        }
    }
    s
}

/// The most requests that arrived within any window of `window` (half open: `[t, t + window)`).
pub fn max_in_window(times: &[Duration], window: Duration) -> usize {
    let mut sorted = times.to_vec();
    sorted.sort();
    let mut best = 0;
    let mut start = 0;
    for end in 0..sorted.len() {
        while sorted[end] - sorted[start] >= window {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// splitmix64's finaliser: a well-spread 64-bit mix.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a over several byte strings.
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.iter().chain(std::iter::once(&0xffu8)) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A request as read from the client.
struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

async fn serve_connection(stream: TcpStream, state: Arc<State>) {
    let mut stream = BufReader::new(stream);
    loop {
        let request = match read_request(&mut stream).await {
            Ok(Some(r)) => r,
            _ => return,
        };
        let api = identify(&request);
        let (path, query) = request.target.split_once('?').unwrap_or((&request.target, ""));
        let digest = fnv(&[request.method.as_bytes(), path.as_bytes(), query.as_bytes(), &request.body]);
        let repeat = {
            let mut seen = lock(&state.seen);
            let n = seen.entry(digest).or_default();
            *n += 1;
            *n
        };
        let fault = lock(&state.plan).fault_for(&api.service, mix(digest ^ repeat));
        lock(&state.log).push(RequestRecord { api: api.label(), at: state.started.elapsed(), fault });
        let answer = match fault {
            Some(FaultKind::Drop) => return,
            Some(kind @ (FaultKind::Throttle | FaultKind::ServerError)) => error_answer(&api, &request, kind),
            _ => {
                if fault == Some(FaultKind::Latency) {
                    let ms = 200 + mix(digest ^ 0x1a7e) % 1_000;
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                match forward(&state.upstream, &request).await {
                    Ok(answer) if fault == Some(FaultKind::Truncate) => truncate(answer, digest),
                    Ok(answer) => answer,
                    Err(e) => Answer::plain(502, format!("fault layer: upstream failed: {e}")),
                }
            }
        };
        let head_only = request.method.eq_ignore_ascii_case("HEAD");
        if write_answer(stream.get_mut(), &answer, head_only).await.is_err() {
            return;
        }
    }
}

/// Read one request; `None` at a clean end of the connection.
async fn read_request(stream: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if stream.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Ok(None);
    };
    let (method, target) = (method.to_string(), target.to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if stream.read_line(&mut h).await? == 0 {
            return Ok(None);
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut request = Request { method, target, headers, body: Vec::new() };
    if request.header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            stream.read_line(&mut size).await?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            stream.read_exact(&mut chunk).await?;
            if n == 0 {
                break;
            }
            request.body.extend_from_slice(&chunk[..n]);
        }
        request.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("transfer-encoding"));
    } else if let Some(n) = request.header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        request.body = vec![0; n];
        stream.read_exact(&mut request.body).await?;
    }
    Ok(Some(request))
}

/// Collection names after which a REST path segment is an identifier.
const COLLECTIONS: &[&str] = &[
    "functions",
    "tags",
    "code-signing-configs",
    "layers",
    "versions",
    "aliases",
    "event-source-mappings",
    "detector",
    "analyzer",
    "members",
];

/// Which API a request calls.
pub fn identify_parts(method: &str, target: &str, headers: &[(String, String)], body: &[u8]) -> Api {
    let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let scope_service = header("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split([',', ' ']).next())
        .and_then(|c| c.split('/').nth(3))
        .unwrap_or("unknown")
        .to_string();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if let Some(t) = header("x-amz-target") {
        let operation = t.rsplit('.').next().unwrap_or(t).to_string();
        return Api { service: scope_service, operation, protocol: Protocol::AwsJson };
    }
    let form = header("content-type").is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if form {
        let text = String::from_utf8_lossy(body);
        if let Some(action) = text.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
            let protocol = if scope_service == "ec2" { Protocol::Ec2 } else { Protocol::Query };
            return Api { service: scope_service, operation: action.to_string(), protocol };
        }
    }
    let (service, protocol) = match scope_service.as_str() {
        "s3" if path.starts_with("/v20180820") => ("s3control".to_string(), Protocol::RestXml),
        "s3" => (scope_service.clone(), Protocol::RestXmlUnwrapped),
        _ => (scope_service.clone(), Protocol::RestJson),
    };
    let mut segments = Vec::new();
    let mut previous = "";
    for (i, seg) in path.split('/').enumerate().skip(1) {
        let identifier = COLLECTIONS.contains(&previous)
            || seg.contains(['%', ':', '='])
            || (protocol == Protocol::RestXmlUnwrapped && i == 1 && !seg.is_empty());
        segments.push(if identifier { "{}" } else { seg });
        previous = seg;
    }
    // Sub-resources (`?policy`) and S3's `x-id` name the operation; valued parameters
    // (pagination, filters) do not.
    let mut keys: Vec<String> = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .filter_map(|kv| match kv.split_once('=').unwrap_or((kv, "")) {
            ("x-id", v) => Some(format!("x-id={v}")),
            (k, "") => Some(k.to_string()),
            _ => None,
        })
        .collect();
    keys.sort();
    let mut operation = format!("{method} /{}", segments.join("/"));
    if !keys.is_empty() {
        operation = format!("{operation}?{}", keys.join("&"));
    }
    Api { service, operation, protocol }
}

fn identify(request: &Request) -> Api {
    identify_parts(&request.method, &request.target, &request.headers, &request.body)
}

/// An answer to write to the client.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Answer {
    fn plain(status: u16, text: String) -> Self {
        Self { status, headers: vec![("content-type".into(), "text/plain".into())], body: Bytes::from(text) }
    }
}

/// The protocol's own error answer for a throttle or a server error.
fn error_answer(api: &Api, request: &Request, kind: FaultKind) -> Answer {
    let throttle = kind == FaultKind::Throttle;
    let xml = |status: u16, body: String| Answer {
        status,
        headers: vec![("content-type".into(), "text/xml".into())],
        body: Bytes::from(body),
    };
    match api.protocol {
        Protocol::RestXmlUnwrapped => {
            let (status, code, message) = if throttle {
                (503, "SlowDown", "Please reduce your request rate.")
            } else {
                (500, "InternalError", "We encountered an internal error. Please try again.")
            };
            xml(status, format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>FAULTLAYER</RequestId></Error>"
            ))
        }
        Protocol::RestXml | Protocol::Query => {
            let (status, code, kind) =
                if throttle { (400, "Throttling", "Sender") } else { (500, "InternalFailure", "Receiver") };
            xml(status, format!(
                "<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>Rate exceeded</Message></Error><RequestId>FAULTLAYER</RequestId></ErrorResponse>"
            ))
        }
        Protocol::Ec2 => {
            let (status, code) = if throttle { (503, "RequestLimitExceeded") } else { (500, "InternalError") };
            xml(status, format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>FAULTLAYER</RequestID></Response>"
            ))
        }
        Protocol::AwsJson => {
            let (status, code, side) =
                if throttle { (400, "ThrottlingException", "Sender") } else { (500, "InternalFailure", "Receiver") };
            let content_type = request.header("content-type").unwrap_or("application/x-amz-json-1.1").to_string();
            let mut headers =
                vec![("content-type".to_string(), content_type), ("x-amzn-errortype".into(), code.into())];
            if api.service == "sqs" {
                headers.push(("x-amzn-query-error".into(), format!("{code};{side}")));
            }
            Answer {
                status,
                headers,
                body: Bytes::from(format!("{{\"__type\":\"{code}\",\"message\":\"Rate exceeded\"}}")),
            }
        }
        Protocol::RestJson => {
            let (status, code) = if throttle { (429, "TooManyRequestsException") } else { (500, "ServiceException") };
            Answer {
                status,
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    ("x-amzn-errortype".into(), code.into()),
                ],
                body: Bytes::from(format!(
                    "{{\"message\":\"Rate exceeded\",\"Type\":\"{}\"}}",
                    if throttle { "User" } else { "Service" }
                )),
            }
        }
    }
}

/// Cut a `200` answer inside its body.
fn truncate(mut answer: Answer, digest: u64) -> Answer {
    let len = answer.body.len();
    if answer.status == 200 && len >= 2 {
        let cut = 1 + (mix(digest ^ 0x7c07) % (len as u64 - 1)) as usize;
        answer.body = answer.body.slice(..cut);
    }
    answer
}

/// Send the request to the upstream server and read its whole answer.
async fn forward(upstream: &str, request: &Request) -> Result<Answer, String> {
    let stream = TcpStream::connect(upstream).await.map_err(|e| e.to_string())?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let mut builder = http::Request::builder().method(request.method.as_str()).uri(request.target.as_str());
    for (k, v) in &request.headers {
        if !k.eq_ignore_ascii_case("connection") {
            builder = builder.header(k.as_str(), v.as_str());
        }
    }
    let req = builder.body(Full::new(Bytes::from(request.body.clone()))).map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).to_string()))
        .collect();
    let body = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok(Answer { status, headers, body })
}

async fn write_answer(stream: &mut TcpStream, answer: &Answer, head_only: bool) -> std::io::Result<()> {
    let reason = http::StatusCode::from_u16(answer.status).ok().and_then(|s| s.canonical_reason()).unwrap_or("");
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", answer.status);
    let mut length = None;
    for (k, v) in &answer.headers {
        let k_lower = k.to_ascii_lowercase();
        if k_lower == "content-length" {
            length = Some(v.clone());
            continue;
        }
        if k_lower == "transfer-encoding" || k_lower == "connection" {
            continue;
        }
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let length = if head_only { length.unwrap_or_else(|| "0".into()) } else { answer.body.len().to_string() };
    head.push_str(&format!("content-length: {length}\r\n\r\n"));
    stream.write_all(head.as_bytes()).await?;
    if !head_only {
        stream.write_all(&answer.body).await?;
    }
    stream.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(service: &str) -> (String, String) {
        (
            "Authorization".into(),
            format!("AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00"),
        )
    }

    #[test]
    fn identifies_each_protocol() {
        let form = ("Content-Type".to_string(), "application/x-www-form-urlencoded".to_string());
        let api = identify_parts("POST", "/", &[auth("iam"), form.clone()], b"Action=ListRoles&Version=2010-05-08");
        assert_eq!((api.label(), api.protocol), ("iam:ListRoles".into(), Protocol::Query));
        let api = identify_parts("POST", "/", &[auth("ec2"), form], b"Action=DescribeVpcs&Version=2016-11-15");
        assert_eq!((api.label(), api.protocol), ("ec2:DescribeVpcs".into(), Protocol::Ec2));
        let target = ("X-Amz-Target".to_string(), "AmazonSQS.ListQueues".to_string());
        let api = identify_parts("POST", "/", &[auth("sqs"), target], b"{}");
        assert_eq!((api.label(), api.protocol), ("sqs:ListQueues".into(), Protocol::AwsJson));
        let api = identify_parts("GET", "/2015-03-31/functions/zt-fn-public/policy", &[auth("lambda")], b"");
        assert_eq!(api.label(), "lambda:GET /2015-03-31/functions/{}/policy");
        assert_eq!(api.protocol, Protocol::RestJson);
        let api = identify_parts("GET", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1", &[auth("lambda")], b"");
        assert_eq!(api.label(), "lambda:GET /2017-03-31/tags/{}");
        let api = identify_parts("GET", "/zt-good?policy", &[auth("s3")], b"");
        assert_eq!((api.label(), api.protocol), ("s3:GET /{}?policy".into(), Protocol::RestXmlUnwrapped));
        let api = identify_parts("GET", "/v20180820/configuration/publicAccessBlock", &[auth("s3")], b"");
        assert_eq!((api.service.as_str(), api.protocol), ("s3control", Protocol::RestXml));
    }

    #[test]
    fn a_seed_decides_the_same_faults_and_the_rate_holds() {
        let plan = FaultPlan::all(42, 0.2);
        let picks: Vec<Option<FaultKind>> = (0..10_000u64).map(|i| plan.choose(mix(i))).collect();
        let again: Vec<Option<FaultKind>> = (0..10_000u64).map(|i| plan.choose(mix(i))).collect();
        assert_eq!(picks, again);
        let faults = picks.iter().flatten().count();
        assert!((1_800..2_200).contains(&faults), "{faults} faults in 10000 at 20%");
        for kind in FaultKind::ALL {
            assert!(picks.iter().flatten().filter(|k| **k == kind).count() > 300, "{kind} is drawn");
        }
        assert!(FaultPlan::none().choose(1).is_none());
        let only_sqs = FaultPlan::all(42, 1.0).only(&["sqs"]);
        assert!(only_sqs.fault_for("sqs", 5).is_some());
        assert!(only_sqs.fault_for("s3", 5).is_none());
    }

    #[test]
    fn truncation_cuts_inside_the_body() {
        let answer = Answer { status: 200, headers: vec![], body: Bytes::from_static(b"<a><b>secret</b></a>") };
        let cut = truncate(answer, 7);
        assert!(!cut.body.is_empty() && cut.body.len() < 20);
        let error = Answer { status: 400, headers: vec![], body: Bytes::from_static(b"<Error/>") };
        assert_eq!(truncate(error, 7).body.len(), 8);
    }

    #[test]
    fn windows_count_arrivals() {
        let ms = |v: &[u64]| v.iter().map(|m| Duration::from_millis(*m)).collect::<Vec<_>>();
        assert_eq!(max_in_window(&ms(&[0, 200, 400, 600, 800, 1000, 1200]), Duration::from_secs(1)), 5);
        assert_eq!(max_in_window(&ms(&[0, 10, 20, 2000]), Duration::from_secs(1)), 3);
        assert_eq!(max_in_window(&[], Duration::from_secs(1)), 0);
    }
}
