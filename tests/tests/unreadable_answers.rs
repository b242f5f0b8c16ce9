//! When AWS answers with something that cannot be read, the scanner says so in a short
//! classification and never repeats the bytes; when an answer is cut short, nothing is read
//! from the half document.
//!
//! Real SDK clients, built from the scanner's own SDK configuration (with the response guard,
//! `collect::guard`), talk to a replaying HTTP client that answers each operation with a fixed
//! status, content type and body. No network, no moto: the point is the exact bytes.
//!
//! 1. For each protocol the collectors use (rest-xml: S3; query: CloudFormation; ec2: EC2;
//!    awsJson: Secrets Manager; rest-json: Lambda), the main listing answers with a body the
//!    SDK cannot deserialise (well-formed, but a timestamp, number or list holds a planted
//!    secret; or a document cut right after the secret; or an error without a code whose
//!    message is the secret). The planted value must appear in no finding, no rendered output
//!    (JSON, ASFF, SNS alert, the table's reasons) and no log line at TRACE, and the reason must
//!    be the classification "unreadable answer ... (HTTP status, N bytes ...)".
//! 2. Each collector's main listing, answered with a whole document and then cut at several
//!    points (status 200, matching Content-Length): whole, the listed resource is judged; cut,
//!    it appears in no finding and the listing is UNKNOWN naming its action.

use std::fmt;
use std::sync::{Arc, Mutex};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::Credentials;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use ztscan::audit;
use ztscan::audit::account::collector::AccountCollector;
use ztscan::audit::cloudformation::collector::StackCollector;
use ztscan::audit::iam::collector::IamCollector;
use ztscan::audit::lambda::collector::LambdaCollector;
use ztscan::audit::messaging::collector::MessagingCollector;
use ztscan::audit::network::collector::NetworkCollector;
use ztscan::audit::s3::collector::S3Collector;
use ztscan::audit::secretsmanager::collector::SecretsCollector;
use ztscan::{Finding, ScanConfig, ScanContext, Status};

const ACCOUNT: &str = "123456789012";

/// One canned answer: status, content type, body.
#[derive(Clone)]
struct Answer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

/// Answers a request by a key naming its operation (`Action=...` of a query body, the
/// `x-amz-target` of awsJson, or `METHOD /path?query` of the REST protocols); anything the
/// table does not name is a 500 without a body.
#[derive(Clone)]
struct Replay {
    table: Arc<Vec<(&'static str, Answer)>>,
}

impl fmt::Debug for Replay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Replay")
    }
}

impl Replay {
    fn key(request: &HttpRequest) -> String {
        let target = request.headers().get("x-amz-target").unwrap_or_default();
        let body = request.body().bytes().map(|b| String::from_utf8_lossy(b).to_string()).unwrap_or_default();
        format!("{} {} {target} {body}", request.method(), request.uri())
    }
}

impl HttpConnector for Replay {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let key = Self::key(&request);
        let answer = self.table.iter().find(|(k, _)| key.contains(k)).map(|(_, a)| a.clone());
        let answer = answer.unwrap_or(Answer { status: 500, content_type: "", body: Vec::new() });
        let mut response = HttpResponse::new(
            StatusCode::try_from(answer.status).expect("a status"),
            SdkBody::from(answer.body.clone()),
        );
        if !answer.content_type.is_empty() {
            response.headers_mut().insert("content-type", answer.content_type);
        }
        response.headers_mut().insert("content-length", answer.body.len().to_string());
        HttpConnectorFuture::ready(Ok(response))
    }
}

impl HttpClient for Replay {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// SDK configuration over `table`, with `attempts` attempts per call; `guard`: through the
/// scanner's own [`ztscan::collect::aws::guarded`], as every binary loads it.
async fn sdk(table: Vec<(&'static str, Answer)>, attempts: u32, guard: bool) -> SdkConfig {
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "test-secret-key", None, None, "test"))
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .http_client(Replay { table: Arc::new(table) })
        .load()
        .await;
    if guard {
        ztscan::collect::aws::guarded(sdk)
    } else {
        sdk
    }
}

/// The audits, by the name of their main listing's collector.
#[derive(Debug, Clone, Copy)]
enum Audit {
    S3,
    Stacks,
    Network,
    Secrets,
    Lambda,
    Iam,
    Messaging,
    Account,
}

async fn scan(which: Audit, sdk: &SdkConfig) -> Vec<Finding> {
    let config = ScanConfig::default();
    let ctx = ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), config.clone());
    match which {
        Audit::S3 => audit::s3::scan_all(&S3Collector::new(sdk, 4, None), &ctx).await.findings,
        Audit::Stacks => audit::cloudformation::scan_all(&StackCollector::new(sdk, &config), &ctx).await.findings,
        Audit::Network => audit::network::scan_all(&NetworkCollector::new(sdk, &config), &ctx).await.findings,
        Audit::Secrets => audit::secretsmanager::scan_all(&SecretsCollector::new(sdk, &config), &ctx).await.findings,
        Audit::Lambda => audit::lambda::scan_all(&LambdaCollector::new(sdk, &config), &ctx).await.findings,
        Audit::Iam => audit::iam::scan_all(&IamCollector::new(sdk, &config), &ctx).await.findings,
        Audit::Messaging => audit::messaging::scan_all(&MessagingCollector::new(sdk, &config), &ctx).await.findings,
        Audit::Account => audit::account::scan_all(&AccountCollector::new(sdk, &config), &ctx).await.findings,
    }
}

/// A log sink: everything written at TRACE, with the same filter the binaries use (TRACE plus
/// the SDK wire-log caps).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log sink").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log sink")).to_string()
    }
}

fn trace_subscriber(sink: &Captured) -> impl tracing::Subscriber + Send + Sync {
    let filter = tracing_subscriber::EnvFilter::new("trace");
    let filter = ztscan::collect::aws::wire_log_caps(filter.max_level_hint())
        .iter()
        .filter_map(|d| d.parse().ok())
        .fold(filter, |f, d| f.add_directive(d));
    let sink = sink.clone();
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(move || sink.clone()).finish()
}

/// Everything ztscan writes about `findings`: the JSON output, each finding's ASFF, the SNS
/// alert, and the lines the table prints (reason per resource).
fn rendered(findings: &[Finding]) -> String {
    let mut out = ztscan::render::json::to_json(findings);
    for f in findings {
        let product = ztscan::render::asff::default_product_arn("aws", "us-east-1", ACCOUNT);
        let asff = ztscan::render::asff::to_asff(f, &product, None, ztscan::render::asff::Before::New);
        out.push_str(&serde_json::to_string(&asff).expect("ASFF serialises"));
        out.push_str(&format!("\n{} {} {}\n", f.status.as_str(), f.resource.uid(), f.reason));
    }
    if let Some(alert) = ztscan::render::sns::alert(findings) {
        out.push_str(&alert.subject);
        out.push_str(&alert.body_json);
    }
    out
}

fn xml(body: String) -> Answer {
    Answer { status: 200, content_type: "text/xml", body: body.into_bytes() }
}

fn json_answer(content_type: &'static str, body: String) -> Answer {
    Answer { status: 200, content_type, body: body.into_bytes() }
}

// ---- The main listings, whole, with a marker resource and room for a planted value. ----

fn describe_stacks(creation_time: &str, secret: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <DescribeStacksResult>
    <Stacks>
      <member>
        <StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/markerstack/1</StackId>
        <StackName>markerstack</StackName>
        <CreationTime>{creation_time}</CreationTime>
        <StackStatus>CREATE_COMPLETE</StackStatus>
        <EnableTerminationProtection>true</EnableTerminationProtection>
        <Outputs><member><OutputKey>DbPassword</OutputKey><OutputValue>{secret}</OutputValue></member></Outputs>
        <Parameters><member><ParameterKey>ApiKey</ParameterKey><ParameterValue>{secret}</ParameterValue></member></Parameters>
      </member>
    </Stacks>
  </DescribeStacksResult>
  <ResponseMetadata><RequestId>7d3e0a8e</RequestId></ResponseMetadata>
</DescribeStacksResponse>
"#
    )
}

fn describe_security_groups(from_port: &str, secret: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89</requestId>
  <securityGroupInfo>
    <item>
      <ownerId>123456789012</ownerId>
      <groupId>sg-0markergroup</groupId>
      <groupName>web</groupName>
      <groupDescription>{secret}</groupDescription>
      <vpcId>vpc-0marker</vpcId>
      <ipPermissions>
        <item><ipProtocol>tcp</ipProtocol><fromPort>{from_port}</fromPort><toPort>22</toPort>
          <ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item>
      </ipPermissions>
      <ipPermissionsEgress/>
      <tagSet><item><key>token</key><value>{secret}</value></item></tagSet>
    </item>
  </securityGroupInfo>
</DescribeSecurityGroupsResponse>
"#
    )
}

fn describe_regions() -> String {
    r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89</requestId>
  <regionInfo>
    <item><regionName>eu-markerregion-1</regionName><regionEndpoint>ec2.eu-west-1.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>
  </regionInfo>
</DescribeRegionsResponse>
"#
    .to_string()
}

fn list_buckets(creation_date: &str, secret: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Owner><ID>{secret}</ID><DisplayName>owner</DisplayName></Owner>
  <Buckets>
    <Bucket><Name>markerbucket</Name><CreationDate>{creation_date}</CreationDate><BucketRegion>us-east-1</BucketRegion></Bucket>
  </Buckets>
</ListAllMyBucketsResult>
"#
    )
}

fn list_secrets(secret: &str) -> String {
    format!(
        r#"{{"SecretList":[{{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:markersecret-AbCdEf","Name":"markersecret","Description":"{secret}","RotationEnabled":true,"Tags":[{{"Key":"k","Value":"{secret}"}}]}}]}}"#
    )
}

fn list_functions(secret: &str) -> String {
    format!(
        r#"{{"Functions":[{{"FunctionName":"markerfunction","FunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:markerfunction","Runtime":"python3.12","Role":"arn:aws:iam::123456789012:role/app","Handler":"app.handler","Environment":{{"Variables":{{"DB_PASSWORD":"{secret}"}}}}}}]}}"#
    )
}

fn account_authorization_details() -> String {
    r#"<?xml version="1.0" encoding="UTF-8"?>
<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetAccountAuthorizationDetailsResult>
    <IsTruncated>false</IsTruncated>
    <UserDetailList/>
    <GroupDetailList/>
    <RoleDetailList>
      <member>
        <Path>/</Path><RoleName>markerrole</RoleName><RoleId>AROAMARKER0000000001</RoleId>
        <Arn>arn:aws:iam::123456789012:role/markerrole</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate>
        <AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D</AssumeRolePolicyDocument>
        <RolePolicyList/><AttachedManagedPolicies/>
      </member>
    </RoleDetailList>
    <Policies/>
  </GetAccountAuthorizationDetailsResult>
  <ResponseMetadata><RequestId>7d3e0a8e</RequestId></ResponseMetadata>
</GetAccountAuthorizationDetailsResponse>
"#
    .to_string()
}

fn list_topics() -> String {
    r#"<?xml version="1.0" encoding="UTF-8"?>
<ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <ListTopicsResult>
    <Topics><member><TopicArn>arn:aws:sns:us-east-1:123456789012:markertopic</TopicArn></member></Topics>
  </ListTopicsResult>
  <ResponseMetadata><RequestId>7d3e0a8e</RequestId></ResponseMetadata>
</ListTopicsResponse>
"#
    .to_string()
}

const STACKS: &str = "Action=DescribeStacks";
const GROUPS: &str = "Action=DescribeSecurityGroups";
const REGIONS: &str = "Action=DescribeRegions";
const BUCKETS: &str = "/?x-id=ListBuckets";
const SECRETS: &str = "secretsmanager.ListSecrets";
const FUNCTIONS: &str = "/2015-03-31/functions";
const GAAD: &str = "Action=GetAccountAuthorizationDetails";
const TOPICS: &str = "Action=ListTopics";

/// A secret-looking value unique to one case, so a leak names its case.
fn planted(case: &str) -> String {
    format!("sk_live_{case}_4f9a2c7e1b8d3f60PLANTED")
}

// ---- 1. An unreadable answer becomes a classification, never bytes. ----

/// One leak case: which audit, which listing, and the answer holding the planted value.
struct LeakCase {
    name: &'static str,
    audit: Audit,
    listing: &'static str,
    action: &'static str,
    answer: Answer,
}

fn leak_cases() -> Vec<LeakCase> {
    let mut cases = Vec::new();
    // rest-xml (S3): a timestamp that is the secret; the document cut after it; a coded error
    // whose message is the secret is fine to name (a service message) but not in our case.
    let s = planted("s3_date");
    cases.push(LeakCase {
        name: "rest-xml: a CreationDate holding the value",
        audit: Audit::S3,
        listing: BUCKETS,
        action: "s3:ListAllMyBuckets",
        answer: xml(list_buckets(&s, &s)),
    });
    let s = planted("s3_cut");
    let doc = list_buckets("2026-01-01T00:00:00.000Z", &s);
    let cut = doc.find(&s).expect("planted") + s.len();
    cases.push(LeakCase {
        name: "rest-xml: cut after the value",
        audit: Audit::S3,
        listing: BUCKETS,
        action: "s3:ListAllMyBuckets",
        answer: xml(doc[..cut].to_string()),
    });
    // query (CloudFormation): stack outputs and parameters.
    let s = planted("cfn_time");
    cases.push(LeakCase {
        name: "query: a CreationTime holding the value, outputs and parameters too",
        audit: Audit::Stacks,
        listing: STACKS,
        action: "cloudformation:DescribeStacks",
        answer: xml(describe_stacks(&s, &s)),
    });
    let s = planted("cfn_cut");
    let doc = describe_stacks("2026-01-01T00:00:00Z", &s);
    let cut = doc.find(&s).expect("planted") + s.len();
    cases.push(LeakCase {
        name: "query: cut after an output value",
        audit: Audit::Stacks,
        listing: STACKS,
        action: "cloudformation:DescribeStacks",
        answer: xml(doc[..cut].to_string()),
    });
    // ec2 (EC2): a port that is the secret.
    let s = planted("ec2_port");
    cases.push(LeakCase {
        name: "ec2: a fromPort holding the value",
        audit: Audit::Network,
        listing: GROUPS,
        action: "ec2:DescribeSecurityGroups",
        answer: xml(describe_security_groups(&s, &s)),
    });
    // awsJson (Secrets Manager): a list that is the secret; a coded error without a code.
    let s = planted("sm_list");
    cases.push(LeakCase {
        name: "awsJson: SecretList holding the value instead of a list",
        audit: Audit::Secrets,
        listing: SECRETS,
        action: "secretsmanager:ListSecrets",
        answer: json_answer("application/x-amz-json-1.1", format!(r#"{{"SecretList":"{s}"}}"#)),
    });
    let s = planted("sm_nocode");
    cases.push(LeakCase {
        name: "awsJson: an error without a code whose message is the value",
        audit: Audit::Secrets,
        listing: SECRETS,
        action: "secretsmanager:ListSecrets",
        answer: Answer {
            status: 400,
            content_type: "application/x-amz-json-1.1",
            body: format!(r#"{{"Message":"{s}","Environment":{{"DB_PASSWORD":"{s}"}}}}"#).into_bytes(),
        },
    });
    // rest-json (Lambda): environment variables in a document whose Functions is not a list.
    let s = planted("lambda_env");
    cases.push(LeakCase {
        name: "rest-json: Functions holding environment variables instead of a list",
        audit: Audit::Lambda,
        listing: FUNCTIONS,
        action: "lambda:ListFunctions",
        answer: json_answer(
            "application/json",
            format!(r#"{{"Functions":{{"Environment":{{"Variables":{{"DB_PASSWORD":"{s}"}}}}}}}}"#),
        ),
    });
    let s = planted("lambda_cut");
    let doc = list_functions(&s);
    let cut = doc.find(&s).expect("planted") + s.len();
    cases.push(LeakCase {
        name: "rest-json: cut after an environment variable",
        audit: Audit::Lambda,
        listing: FUNCTIONS,
        action: "lambda:ListFunctions",
        answer: json_answer("application/json", doc[..cut].to_string()),
    });
    cases
}

#[tokio::test]
async fn an_unreadable_answer_is_a_classification_in_every_output_and_log() {
    for case in leak_cases() {
        let secret = String::from_utf8_lossy(&case.answer.body)
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .find(|w| w.ends_with("PLANTED"))
            .expect("a planted value")
            .to_string();
        let sink = Captured::default();
        let findings = {
            let _log = tracing::subscriber::set_default(trace_subscriber(&sink));
            tracing::trace!("capturing at TRACE");
            let sdk = sdk(vec![(case.listing, case.answer.clone())], 2, true).await;
            scan(case.audit, &sdk).await
        };
        let logs = sink.text();
        assert!(logs.contains("capturing at TRACE"), "{}: the log is captured", case.name);
        let outputs = rendered(&findings);
        for (what, text) in [("the outputs", &outputs), ("the log", &logs)] {
            assert!(!text.contains(&secret), "{}: {what} carry the planted value", case.name);
            assert!(!text.contains(&secret[8..30]), "{}: {what} carry part of the planted value", case.name);
        }
        let unknown: Vec<&Finding> =
            findings.iter().filter(|f| f.status == Status::Unknown && f.reason.contains(case.action)).collect();
        assert!(!unknown.is_empty(), "{}: the listing is UNKNOWN naming {}", case.name, case.action);
        for f in unknown {
            assert!(
                f.reason.contains("unreadable answer") && f.reason.contains("could not be read (HTTP "),
                "{}: {}",
                case.name,
                f.reason
            );
            assert!(f.reason.len() < 200, "{}: a short reason: {}", case.name, f.reason);
        }
    }
}

// ---- 2. A truncated answer is an error, for each collector's main listing. ----

struct CutCase {
    audit: Audit,
    listing: &'static str,
    action: &'static str,
    /// A name from the listed resource that must appear only when the listing was read whole.
    marker: &'static str,
    whole: Answer,
}

fn cut_cases() -> Vec<CutCase> {
    let s = "not-a-secret-value";
    vec![
        CutCase {
            audit: Audit::S3,
            listing: BUCKETS,
            action: "s3:ListAllMyBuckets",
            marker: "markerbucket",
            whole: xml(list_buckets("2026-01-01T00:00:00.000Z", s)),
        },
        CutCase {
            audit: Audit::Stacks,
            listing: STACKS,
            action: "cloudformation:DescribeStacks",
            marker: "markerstack",
            whole: xml(describe_stacks("2026-01-01T00:00:00Z", s)),
        },
        CutCase {
            audit: Audit::Network,
            listing: GROUPS,
            action: "ec2:DescribeSecurityGroups",
            marker: "sg-0markergroup",
            whole: xml(describe_security_groups("22", s)),
        },
        CutCase {
            audit: Audit::Secrets,
            listing: SECRETS,
            action: "secretsmanager:ListSecrets",
            marker: "markersecret",
            whole: json_answer("application/x-amz-json-1.1", list_secrets(s)),
        },
        CutCase {
            audit: Audit::Lambda,
            listing: FUNCTIONS,
            action: "lambda:ListFunctions",
            marker: "markerfunction",
            whole: json_answer("application/json", list_functions(s)),
        },
        CutCase {
            audit: Audit::Iam,
            listing: GAAD,
            action: "iam:GetAccountAuthorizationDetails",
            marker: "markerrole",
            whole: xml(account_authorization_details()),
        },
        CutCase {
            audit: Audit::Messaging,
            listing: TOPICS,
            action: "sns:ListTopics",
            marker: "markertopic",
            whole: xml(list_topics()),
        },
        CutCase {
            audit: Audit::Account,
            listing: REGIONS,
            action: "ec2:DescribeRegions",
            marker: "eu-markerregion-1",
            whole: xml(describe_regions()),
        },
    ]
}

/// The cut points: nothing, a quarter, half, three quarters, and all but the last tag's end.
fn cuts(len: usize) -> [usize; 5] {
    [0, len / 4, len / 2, len * 3 / 4, len.saturating_sub(3)]
}

fn mentions(findings: &[Finding], marker: &str) -> bool {
    findings.iter().any(|f| f.resource.uid().contains(marker) || f.resource.region.contains(marker))
}

#[tokio::test]
async fn every_main_listing_cut_short_is_unknown_never_read_from_half_a_document() {
    for case in cut_cases() {
        let whole = scan(case.audit, &sdk(vec![(case.listing, case.whole.clone())], 1, true).await).await;
        assert!(mentions(&whole, case.marker), "{:?}: the whole listing is read", case.audit);
        let len = case.whole.body.len();
        for cut in cuts(len) {
            let mut answer = case.whole.clone();
            answer.body.truncate(cut);
            let findings = scan(case.audit, &sdk(vec![(case.listing, answer)], 1, true).await).await;
            let what = format!("{:?} cut at {cut} of {len} bytes", case.audit);
            assert!(!mentions(&findings, case.marker), "{what}: a resource was read from half a document");
            let listing_unknown = findings.iter().any(|f| {
                f.status == Status::Unknown && f.reason.contains(case.action) && f.reason.contains("unreadable answer")
            });
            assert!(listing_unknown, "{what}: the listing is UNKNOWN naming {}", case.action);
            assert!(
                findings.iter().filter(|f| f.reason.contains(case.action)).all(|f| f.status == Status::Unknown),
                "{what}: every finding that depends on the listing is UNKNOWN"
            );
        }
    }
}

/// What the SDK itself does with an answer cut short, without the guard: the defect the guard
/// exists for, measured at the pinned SDK versions. Each line is (collector, cut, whether the
/// half document was read as if whole: the marker resource, or a silently empty listing).
#[tokio::test]
async fn without_the_guard_some_deserialisers_read_half_a_document() {
    let mut read_as_whole = Vec::new();
    for case in cut_cases() {
        let len = case.whole.body.len();
        for cut in cuts(len) {
            let mut answer = case.whole.clone();
            answer.body.truncate(cut);
            let findings = scan(case.audit, &sdk(vec![(case.listing, answer)], 1, false).await).await;
            let errored = findings.iter().any(|f| f.status == Status::Unknown && f.reason.contains(case.action));
            if !errored {
                read_as_whole.push(format!("{:?}@{cut}/{len}", case.audit));
            }
        }
    }
    eprintln!("read without error when cut short, without the guard: {read_as_whole:?}");
    // The query protocol's DescribeStacks cut in half reads as a shorter listing (issue 13), and
    // an empty JSON answer reads as an empty listing.
    assert!(read_as_whole.iter().any(|c| c.starts_with("Stacks@")), "{read_as_whole:?}");
    assert!(read_as_whole.iter().any(|c| c.starts_with("Lambda@0/")), "{read_as_whole:?}");
}
