//! Test support for ztscan's integration and end-to-end tests: a handle on the local moto
//! server (started through `scripts/moto.sh` when the environment does not name one), SDK
//! configuration pointed at it, and clients built on `aws-smithy-mocks` for the APIs moto
//! lacks.
//!
//! moto keeps one global state, so tests that use it take [`moto`]'s lock and start from a
//! reset server.

use std::path::PathBuf;
use std::sync::OnceLock;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::Credentials;
use aws_smithy_mocks::{create_mock_http_client, MockResponseInterceptor, Rule, RuleMode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Mutex, MutexGuard};

pub mod faults;
pub mod lambda;
pub mod not_enabled;
pub mod seed;

/// The account audit's regional findings (those on the account itself), keyed by (rule id,
/// region), with their status and reason.
pub fn regional_findings(
    findings: &[ztscan::Finding],
) -> std::collections::BTreeMap<(String, String), (ztscan::Status, String)> {
    findings
        .iter()
        .filter(|f| f.resource.resource_type == "AwsAccount")
        .map(|f| ((f.rule_id.clone(), f.resource.region.clone()), (f.status, f.reason.clone())))
        .collect()
}

/// The account moto uses by default.
pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

static LOCK: Mutex<()> = Mutex::const_new(());
static ENDPOINT: OnceLock<String> = OnceLock::new();

/// The workspace root.
pub fn root() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    dir.canonicalize().unwrap_or(dir)
}

/// The moto endpoint: `ZTSCAN_MOTO_URL` (set by `scripts/test.sh`), else a server started with
/// `scripts/moto.sh start`.
pub fn endpoint() -> String {
    ENDPOINT
        .get_or_init(|| {
            if let Ok(url) = std::env::var("ZTSCAN_MOTO_URL") {
                return url;
            }
            let status = std::process::Command::new("bash")
                .arg(root().join("scripts/moto.sh"))
                .arg("start")
                .status()
                .expect("run scripts/moto.sh");
            assert!(status.success(), "scripts/moto.sh start failed");
            let env = std::fs::read_to_string(root().join(".run/moto.env")).expect("read .run/moto.env");
            env.split_whitespace()
                .find_map(|w| w.strip_prefix("ZTSCAN_MOTO_URL="))
                .map(|s| s.trim_matches('"').to_string())
                .expect("ZTSCAN_MOTO_URL in .run/moto.env")
        })
        .clone()
}

/// Exclusive use of a freshly reset moto server, and SDK configuration pointed at it.
pub struct Moto {
    _guard: MutexGuard<'static, ()>,
    pub endpoint: String,
    pub sdk: SdkConfig,
}

/// Take the moto lock, reset the server and return configuration for it.
pub async fn moto() -> Moto {
    let guard = LOCK.lock().await;
    let endpoint = endpoint();
    post(&endpoint, "/moto-api/reset").await;
    let sdk = sdk_config(&endpoint).await;
    Moto { _guard: guard, endpoint, sdk }
}

/// SDK configuration for a local endpoint with static test credentials. It is not guarded
/// (`collect::aws::guarded`): it seeds moto too, and moto answers some writes with bodies AWS
/// never sends (`PutBucketPolicy`: 200 with `True`), which the guard rightly calls unreadable.
/// The suites that judge the scanner's reading of answers (`fail_each_call`,
/// `unreadable_answers`, `fault_suite`, the CLI and the functions) scan through the guard.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "ztscan-tests"))
        .load()
        .await
}

/// A bare HTTP/1.1 POST with an empty body (moto's reset API).
pub async fn post(endpoint: &str, path: &str) {
    let hostport = endpoint.trim_start_matches("http://").trim_end_matches('/').to_string();
    let mut stream = tokio::net::TcpStream::connect(&hostport)
        .await
        .unwrap_or_else(|e| panic!("connect to moto at {hostport}: {e}"));
    let req = format!("POST {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.expect("write request");
    let mut resp = String::new();
    stream.read_to_string(&mut resp).await.expect("read response");
    assert!(resp.starts_with("HTTP/1.1 200") || resp.starts_with("HTTP/1.0 200"), "POST {path}: {resp}");
}

/// The interceptor of a mocked client: the first of `rules` that matches answers (used by
/// [`mock_client!`]).
pub fn mock_interceptor(rules: &[&Rule]) -> MockResponseInterceptor {
    rules
        .iter()
        .fold(MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny).allow_passthrough(), |i, r| i.with_rule(r))
}

/// The credentials of a mocked client (used by [`mock_client!`]).
pub fn mock_credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "ztscan-mocks")
}

/// The HTTP client of a mocked client: it never reaches the network (used by [`mock_client!`]).
pub fn mock_http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    create_mock_http_client()
}

/// Defines `pub fn $name(rules) -> $sdk::Client`: a client of that service answered by
/// `aws-smithy-mocks` rules (first matching rule wins; a request no rule matches gets an HTTP
/// 418, which the collectors report as an API error). `$sdk` is an SDK crate or an alias of
/// one in scope (an audit's `collector::sdk` re-exports), so a test file can define its own.
#[macro_export]
macro_rules! mock_client {
    ($(#[$doc:meta])* $name:ident, $sdk:ident) => {
        $(#[$doc])*
        pub fn $name(rules: &[&::aws_smithy_mocks::Rule]) -> $sdk::Client {
            let conf = $sdk::Config::builder()
                .behavior_version_latest()
                .region($sdk::config::Region::new($crate::REGION))
                .credentials_provider($crate::mock_credentials())
                .http_client($crate::mock_http_client())
                .interceptor($crate::mock_interceptor(rules))
                .build();
            $sdk::Client::from_conf(conf)
        }
    };
}

mock_client!(
    /// An S3 client answered by `aws-smithy-mocks` rules.
    mock_s3, aws_sdk_s3
);
mock_client!(
    /// An S3 Control client answered by `aws-smithy-mocks` rules.
    mock_s3control, aws_sdk_s3control
);
mock_client!(
    /// An IAM client answered by `aws-smithy-mocks` rules.
    mock_iam, aws_sdk_iam
);
mock_client!(
    /// A Lambda client answered by `aws-smithy-mocks` rules.
    mock_lambda, aws_sdk_lambda
);
mock_client!(
    /// An EC2 client answered by `aws-smithy-mocks` rules.
    mock_ec2, aws_sdk_ec2
);
mock_client!(
    /// A Secrets Manager client answered by `aws-smithy-mocks` rules.
    mock_secretsmanager, aws_sdk_secretsmanager
);
mock_client!(
    /// An SNS client answered by `aws-smithy-mocks` rules.
    mock_sns, aws_sdk_sns
);
mock_client!(
    /// An SQS client answered by `aws-smithy-mocks` rules.
    mock_sqs, aws_sdk_sqs
);
mock_client!(
    /// An EventBridge client answered by `aws-smithy-mocks` rules.
    mock_eventbridge, aws_sdk_eventbridge
);
mock_client!(
    /// A CloudTrail client answered by `aws-smithy-mocks` rules.
    mock_cloudtrail, aws_sdk_cloudtrail
);
mock_client!(
    /// A GuardDuty client answered by `aws-smithy-mocks` rules.
    mock_guardduty, aws_sdk_guardduty
);
mock_client!(
    /// An AWS Config client answered by `aws-smithy-mocks` rules.
    mock_config, aws_sdk_config
);
mock_client!(
    /// A Security Hub client answered by `aws-smithy-mocks` rules.
    mock_securityhub, aws_sdk_securityhub
);
mock_client!(
    /// An IAM Access Analyzer client answered by `aws-smithy-mocks` rules.
    mock_accessanalyzer, aws_sdk_accessanalyzer
);
mock_client!(
    /// An Inspector client answered by `aws-smithy-mocks` rules.
    mock_inspector2, aws_sdk_inspector2
);
mock_client!(
    /// A KMS client answered by `aws-smithy-mocks` rules.
    mock_kms, aws_sdk_kms
);
mock_client!(
    /// A CloudFormation client answered by `aws-smithy-mocks` rules.
    mock_cloudformation, aws_sdk_cloudformation
);
