//! Seeding the local AWS through the Rust SDK: the demo account's buckets (compliant ones and
//! one misconfiguration each) and the pipeline's queue, topic and Security Hub. Shared by the
//! integration tests and the demo.

use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, Destination, ObjectOwnership,
    OwnershipControls, OwnershipControlsRule, PublicAccessBlockConfiguration, ReplicationConfiguration,
    ReplicationRule, ReplicationRuleFilter, ReplicationRuleStatus, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging, VersioningConfiguration,
};
use aws_sdk_s3::Client;
use ztscan::collect::aws::{s3_client, s3control_client};

use std::future::Future;
use std::pin::Pin;

use crate::ACCOUNT;

pub mod account;
pub mod api;
pub mod cloudformation;
pub mod data;
pub mod messaging;
pub mod network;
pub mod secrets;

/// The scan configuration keys of an audit whose demo needs none.
const NO_CONFIG: &str = "{}";

/// What the demo account holds for one audit: how to seed it, what it seeded in a few lines
/// (names only: planted secret values are never printed), and the scan configuration keys its
/// demo needs (a JSON object; [`demo_config`] merges them).
pub struct DemoData {
    pub summary: &'static str,
    pub config: &'static str,
    seed: for<'a> fn(&'a aws_config::SdkConfig) -> Pin<Box<dyn Future<Output = ()> + 'a>>,
}

/// The demo data of `audit` (its name in `ztscan::audit::AUDITS`). The one place the test side
/// names an audit: `ztscan-demo seed` seeds every audit of the registry through it, the demo's
/// configuration is merged from it, and `fail_each_call` fails each call of every audit over its
/// own data. An audit without demo data is an error naming it.
pub fn demo_of(audit: &str) -> Result<DemoData, String> {
    Ok(match audit {
        "s3" => DemoData {
            seed: |sdk| Box::pin(async move { seed_buckets(sdk).await; }),
            config: NO_CONFIG,
            summary: "10 buckets: compliant ones (zt-good, zt-logs, zt-replica-west, zt-critical, zt-private) and misconfigured \
             ones (zt-plain: nothing configured; zt-public-policy: public policy; zt-cross-account: another account \
             may write; zt-critical: critical without MFA delete; zt-private-open: private without a VPC-endpoint \
             restriction)",
        },
        "iam" => DemoData {
            seed: |sdk| Box::pin(async move { seed_iam(sdk).await; }),
            config: NO_CONFIG,
            summary: "IAM: zt-admin-role (inline admin policy), zt-deployer (escalation in MiXeD case, s3:*, NotAction), \
             zt-trust-everyone / zt-trust-foreign (open trust policies), zt-lambda-broad (no boundary, broad managed \
             policies), zt-lambda-good (compliant), users without MFA / with directly attached policies, a weak \
             password policy",
        },
        "lambda" => DemoData {
            seed: |sdk| Box::pin(async move { seed_lambda(sdk).await; }),
            config: NO_CONFIG,
            summary: "Lambda: zt-fn-secret-env (a Stripe key and a password in its environment, values made at run time and \
             never shown), zt-fn-public (open resource policy, S3 grant without a source condition, nodejs18.x), \
             zt-fn-old-runtime (python3.8), zt-fn-single-az, zt-fn-hardened (compliant)",
        },
        "network" => DemoData {
            seed: |sdk| Box::pin(async move { network::seed_network(sdk).await; }),
            config: NO_CONFIG,
            summary: "network: VPC zt-net-open (no flow log; zt-net-open-ssh opens 22 to 0.0.0.0/0, zt-net-open-v6 opens \
             0-65535 to ::/0, its default group has a rule), VPC zt-net-good (flow log, S3 and Secrets Manager \
             endpoints, empty default group, zt-net-fn with egress 443 only); zt-fn-sg keeps all egress",
        },
        "secretsmanager" => DemoData {
            seed: |sdk| Box::pin(async move { secrets::seed_secrets(sdk).await; }),
            config: NO_CONFIG,
            summary: "secrets: zt-secret-good (compliant), zt-secret-plain (no rotation, AWS-managed key), zt-secret-public \
             (policy open to everyone), zt-secret-rotation-failed (a version stuck AWSPENDING)",
        },
        "messaging" => DemoData {
            seed: |sdk| Box::pin(async move { messaging::seed_messaging(sdk).await; }),
            config: NO_CONFIG,
            summary: "messaging: zt-topic-good, zt-queue-good, zt-bus-good (compliant), zt-topic-public (open policy, \
             unencrypted, no TLS deny), zt-topic-http (a plain-http subscription), zt-queue-plain (no SSE), \
             zt-queue-public (open policy), zt-bus-public (everyone may put events)",
        },
        "account" => DemoData {
            seed: |sdk| Box::pin(async move { account::seed_account(sdk).await; }),
            config: account::ACCOUNT_REGIONS_CONFIG,
            summary: "the account baseline in us-east-1 and eu-west-1: zt-trail-org (multi-region, validated, logging), \
             zt-trail-local (eu-west-1 only, no validation), a GuardDuty detector without Lambda protection and a \
             Config recorder and Inspector Lambda scanning in us-east-1 only, KMS keys zt-key-rotating (rotation \
             on), zt-key-plain and zt-key-west (rotation off) and an asymmetric signing key",
        },
        "cloudformation" => DemoData {
            seed: |sdk| Box::pin(async move { cloudformation::seed_stacks(sdk).await; }),
            config: NO_CONFIG,
            summary: "stacks: zt-stack-good (termination protection, an SNS topic; a NoEcho parameter), zt-stack-open (no \
             protection, no topic, a secret in output ApiKey and in the default of DbPassword, values made at run \
             time and never shown)",
        },
        "data" => DemoData {
            seed: |sdk| Box::pin(async move { data::seed_data(sdk).await; }),
            config: NO_CONFIG,
            summary: "data: zt-table-good (CMK, PITR, deletion protection), zt-table-plain (AWS-owned key, no PITR, no \
             deletion protection), zt-table-public (open policy); keys zt-key-good, zt-key-public (anyone may \
             decrypt), zt-key-caller-account (`*` confined by kms:CallerAccount: not public), zt-key-doomed (pending \
             deletion); String parameters /zt/prod/db-password and /zt/prod/billing-key (secrets made at run time \
             and never shown) beside a port, a URL, a list and a SecureString; functions zt-fn-logs-retained (14 \
             days), zt-fn-logs-forever (never expires) and zt-fn-logs-missing (no log group)",
        },
        "api" => DemoData {
            seed: |sdk| Box::pin(async move { api::seed_api(sdk).await; }),
            config: r#"{"admin_user_pools": ["zt-pool-admins"]}"#,
            summary: "front doors: REST APIs zt-api-open (policy open to everyone, methods without authorizers, one behind \
             an API key only, a stage without logs, tracing or WAF), zt-api-private (private, fenced to its VPC \
             endpoint by a Deny: compliant), zt-api-private-nopolicy; HTTP APIs zt-http-jwt (JWT authorizer: \
             compliant) and zt-http-open; domain names legacy.zt.example.com (TLS 1.0) and api.zt.example.com; user \
             pools zt-pool-nomfa (MFA off), zt-pool-admins (optional MFA, in the demo's admin_user_pools), \
             zt-pool-strict; identity pools zt_ids_guests (guest credentials) and zt_ids_members",
        },
        other => return Err(format!("no demo data for the audit {other:?}: add it to seed::demo_of")),
    })
}

/// Seed the demo data of `audit` ([`demo_of`]).
pub async fn seed_demo_of(audit: &str, sdk: &aws_config::SdkConfig) -> Result<DemoData, String> {
    let data = demo_of(audit)?;
    (data.seed)(sdk).await;
    Ok(data)
}

/// The demo's scan configuration: every audit's demo keys merged into one JSON object (the
/// account audit's two regions, the api audit's administrators' user pool, ...).
pub fn demo_config() -> Result<String, String> {
    let mut merged = serde_json::Map::new();
    for audit in ztscan::audit::AUDITS {
        let data = demo_of(audit.name)?;
        let keys: serde_json::Map<String, serde_json::Value> = serde_json::from_str(data.config)
            .map_err(|e| format!("the demo configuration of {} is not a JSON object: {e}", audit.name))?;
        merged.extend(keys);
    }
    serde_json::to_string(&merged).map_err(|e| e.to_string())
}

pub fn tls_policy(bucket: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"DenyInsecure","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::{bucket}","arn:aws:s3:::{bucket}/*"],"Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}]}}"#
    )
}

pub async fn create(s3: &Client, name: &str, region: &str) {
    let mut req = s3.create_bucket().bucket(name);
    if region != "us-east-1" {
        req = req.create_bucket_configuration(
            CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::from(region)).build(),
        );
    }
    req.send().await.unwrap_or_else(|e| panic!("create {name}: {e:?}"));
}

pub async fn tag(s3: &Client, name: &str, tags: &[(&str, &str)]) {
    let set: Vec<Tag> = tags.iter().map(|(k, v)| Tag::builder().key(*k).value(*v).build().unwrap()).collect();
    s3.put_bucket_tagging()
        .bucket(name)
        .tagging(Tagging::builder().set_tag_set(Some(set)).build().unwrap())
        .send()
        .await
        .unwrap();
}

pub async fn block_public_access(s3: &Client, name: &str) {
    let all = PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    s3.put_public_access_block().bucket(name).public_access_block_configuration(all).send().await.unwrap();
}

pub async fn policy(s3: &Client, name: &str, doc: &str) {
    s3.put_bucket_policy().bucket(name).policy(doc).send().await.unwrap_or_else(|e| panic!("policy {name}: {e:?}"));
}

pub async fn versioning(s3: &Client, name: &str) {
    let v = VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build();
    s3.put_bucket_versioning().bucket(name).versioning_configuration(v).send().await.unwrap();
}

pub async fn kms(s3: &Client, name: &str) {
    let by_default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::AwsKms)
        .kms_master_key_id("arn:aws:kms:us-east-1:123456789012:key/demo")
        .build()
        .unwrap();
    let conf = ServerSideEncryptionConfiguration::builder()
        .rules(ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(by_default).build())
        .build()
        .unwrap();
    s3.put_bucket_encryption().bucket(name).server_side_encryption_configuration(conf).send().await.unwrap();
}

pub async fn owner_enforced(s3: &Client, name: &str) {
    let c = OwnershipControls::builder()
        .rules(OwnershipControlsRule::builder().object_ownership(ObjectOwnership::BucketOwnerEnforced).build().unwrap())
        .build()
        .unwrap();
    s3.put_bucket_ownership_controls().bucket(name).ownership_controls(c).send().await.unwrap();
}

pub async fn replicate(s3: &Client, name: &str, dest: &str) {
    let rule = ReplicationRule::builder()
        .id("dr")
        .priority(1)
        .status(ReplicationRuleStatus::Enabled)
        .filter(ReplicationRuleFilter::builder().prefix("").build())
        .delete_marker_replication(
            aws_sdk_s3::types::DeleteMarkerReplication::builder()
                .status(aws_sdk_s3::types::DeleteMarkerReplicationStatus::Disabled)
                .build(),
        )
        .destination(Destination::builder().bucket(format!("arn:aws:s3:::{dest}")).build().unwrap())
        .build()
        .unwrap();
    let conf = ReplicationConfiguration::builder()
        .role("arn:aws:iam::123456789012:role/replication")
        .rules(rule)
        .build()
        .unwrap();
    s3.put_bucket_replication()
        .bucket(name)
        .replication_configuration(conf)
        .send()
        .await
        .unwrap_or_else(|e| panic!("replication {name}: {e:?}"));
}

pub async fn logging(s3: &Client, name: &str, target: &str) {
    let l = aws_sdk_s3::types::BucketLoggingStatus::builder()
        .logging_enabled(
            aws_sdk_s3::types::LoggingEnabled::builder()
                .target_bucket(target)
                .target_prefix(format!("{name}/"))
                .build()
                .unwrap(),
        )
        .build();
    s3.put_bucket_logging()
        .bucket(name)
        .bucket_logging_status(l)
        .send()
        .await
        .unwrap_or_else(|e| panic!("logging {name}: {e:?}"));
}

/// A bucket that passes every rule.
pub async fn compliant(s3: &Client, name: &str, classification: &str) {
    create(s3, name, "us-east-1").await;
    tag(s3, name, &[("owner", "platform"), ("data-classification", classification)]).await;
    block_public_access(s3, name).await;
    policy(s3, name, &tls_policy(name)).await;
    kms(s3, name).await;
    versioning(s3, name).await;
    owner_enforced(s3, name).await;
    replicate(s3, name, "zt-replica-west").await;
    logging(s3, name, "zt-logs").await;
}

/// The demo account: compliant buckets and one misconfiguration each.
pub async fn seed_buckets(sdk: &aws_config::SdkConfig) {
    let s3 = &s3_client(sdk, None);
    create(s3, "zt-replica-west", "us-west-2").await;
    versioning(&s3_client(sdk, Some("us-west-2")), "zt-replica-west").await;
    create(s3, "zt-logs", "us-east-1").await;
    policy(
        s3,
        "zt-logs",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::zt-logs/*"}]}"#,
    )
    .await;
    compliant(s3, "zt-good", "internal").await;

    create(s3, "zt-plain", "us-east-1").await;

    compliant(s3, "zt-public-policy", "internal").await;
    s3.delete_public_access_block().bucket("zt-public-policy").send().await.unwrap();
    policy(
        s3,
        "zt-public-policy",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::zt-public-policy/*"}]}"#,
    )
    .await;

    compliant(s3, "zt-cross-account", "internal").await;
    policy(
        s3,
        "zt-cross-account",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":["S3:PutObject"],"Resource":"arn:aws:s3:::zt-cross-account/*"}]}"#,
    )
    .await;

    compliant(s3, "zt-critical", "critical").await;

    compliant(s3, "zt-private", "private").await;
    policy(
        s3,
        "zt-private",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::zt-private","arn:aws:s3:::zt-private/*"],"Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0abc"}}},{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::zt-private","arn:aws:s3:::zt-private/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
    )
    .await;
    compliant(s3, "zt-private-open", "private").await;
}

/// Turn on all four account-level Block Public Access settings.
pub async fn block_account_public_access(sdk: &aws_config::SdkConfig) {
    let all = aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    // Goes through the same endpoint resolver as the collector: the account-id host prefix must
    // not reach a local endpoint.
    s3control_client(sdk)
        .put_public_access_block()
        .account_id(ACCOUNT)
        .public_access_block_configuration(all)
        .send()
        .await
        .unwrap();
}

/// The pipeline's resources on the local AWS: the findings queue, the alerts topic, and an
/// inbox queue subscribed to the topic (standing in for a person's subscription).
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub findings_queue_url: String,
    pub findings_queue_arn: String,
    pub topic_arn: String,
    pub inbox_queue_url: String,
    /// The demo's scan configuration ([`demo_config`]), as the functions read it.
    pub config: String,
}

impl Pipeline {
    /// The environment the functions run with against the local AWS at `endpoint`.
    pub fn function_env<'a>(&'a self, endpoint: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
            // moto answers its unimplemented APIs (Access Advisor) with 5xx: don't retry them 6 times.
            ("AWS_MAX_ATTEMPTS", "2"),
            ("FINDINGS_QUEUE_URL", self.findings_queue_url.as_str()),
            ("SCAN_COMPLETE_DELAY_SECONDS", "0"),
            ("ALERT_TOPIC_ARN", self.topic_arn.as_str()),
            ("MIN_ALERT_SEVERITY", "HIGH"),
            // The demo's configuration: e.g. the account audit reads two regions, not the ~30 moto
            // lists (see `seed::account`).
            ("ZTSCAN_CONFIG", self.config.as_str()),
        ]
    }
}

async fn queue(sqs: &aws_sdk_sqs::Client, name: &str) -> (String, String) {
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("create queue")
        .queue_url()
        .unwrap_or_default()
        .to_string();
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes");
    let arn = attrs
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .cloned()
        .unwrap_or_default();
    (url, arn)
}

/// Create the findings queue, the alerts topic and a subscribed inbox queue.
pub async fn create_pipeline(sdk: &aws_config::SdkConfig) -> Pipeline {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let sns = aws_sdk_sns::Client::new(sdk);
    let (findings_queue_url, findings_queue_arn) = queue(&sqs, "ztscan-findings").await;
    let (inbox_queue_url, inbox_arn) = queue(&sqs, "ztscan-alerts-inbox").await;
    let topic_arn = sns
        .create_topic()
        .name("ztscan-alerts")
        .send()
        .await
        .expect("create topic")
        .topic_arn()
        .unwrap_or_default()
        .to_string();
    sns.subscribe().topic_arn(&topic_arn).protocol("sqs").endpoint(inbox_arn).send().await.expect("subscribe inbox");
    let config = demo_config().expect("every audit has demo data");
    Pipeline { findings_queue_url, findings_queue_arn, topic_arn, inbox_queue_url, config }
}

/// Every finding Security Hub holds (paginated).
pub async fn security_hub_findings(sdk: &aws_config::SdkConfig) -> Vec<aws_sdk_securityhub::types::AwsSecurityFinding> {
    let client = aws_sdk_securityhub::Client::new(sdk);
    let mut pages = client.get_findings().max_results(100).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page.expect("get findings").findings().iter().cloned());
    }
    out
}

/// Alert messages delivered to the inbox so far (SNS envelopes, parsed), removing them.
pub async fn drain_inbox(sdk: &aws_config::SdkConfig, inbox_url: &str) -> Vec<serde_json::Value> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let mut out = Vec::new();
    loop {
        let resp =
            sqs.receive_message().queue_url(inbox_url).max_number_of_messages(10).send().await.expect("receive inbox");
        if resp.messages().is_empty() {
            break;
        }
        for m in resp.messages() {
            out.push(serde_json::from_str(m.body().unwrap_or_default()).expect("SNS envelope is JSON"));
            sqs.delete_message()
                .queue_url(inbox_url)
                .receipt_handle(m.receipt_handle().unwrap_or_default())
                .send()
                .await
                .expect("delete");
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// IAM: one misconfiguration each, and compliant identities. Every name starts with `zt-`.

/// Customer-managed policies `seed_iam` creates, by name.
pub const IAM_POLICIES: &[&str] = &["zt-escalation", "zt-s3-wildcard", "zt-notaction", "zt-boundary", "zt-dev-read"];

/// Roles `seed_iam` creates, by name.
pub const IAM_ROLES: &[&str] =
    &["zt-admin-role", "zt-deployer", "zt-trust-everyone", "zt-trust-foreign", "zt-lambda-broad", "zt-lambda-good"];

/// Users `seed_iam` creates, by name.
pub const IAM_USERS: &[&str] = &["zt-console-user", "zt-key-user"];

/// Lambda functions `seed_iam` creates: two share `zt-lambda-broad`, one uses `zt-lambda-good`.
pub const IAM_FUNCTIONS: &[(&str, &str)] =
    &[("zt-fn-broad-a", "zt-lambda-broad"), ("zt-fn-broad-b", "zt-lambda-broad"), ("zt-fn-good", "zt-lambda-good")];

pub const ADMIN_POLICY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
/// The escalation trio in MiXeD case: IAM matches actions case-insensitively, and so must the
/// rules.
pub const ESCALATION_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Deploy","Effect":"Allow","Action":["IAM:PassRole","Lambda:createFunction","lambda:InvokeFUNCTION"],"Resource":"*"}]}"#;
pub const S3_WILDCARD_POLICY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::zt-*"}]}"#;
pub const NOTACTION_POLICY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#;
pub const BOUNDARY_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents","dynamodb:GetItem"],"Resource":"*"}]}"#;
pub const DEV_READ_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/zt-*"}]}"#;
pub const GROUP_INLINE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:GetLogEvents","Resource":"arn:aws:logs:us-east-1:123456789012:log-group:/zt/*"}]}"#;

pub(crate) fn trust(principal: &str, condition: Option<&str>) -> String {
    let condition = condition.map(|c| format!(r#","Condition":{c}"#)).unwrap_or_default();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"{condition}}}]}}"#
    )
}

pub fn iam_policy_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/{name}")
}

pub fn iam_role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

pub fn iam_user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

/// Accept success, or an error saying the thing already exists (so seeding twice is harmless).
fn created<T, E>(what: &str, result: Result<T, aws_sdk_iam::error::SdkError<E>>)
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::fmt::Debug,
{
    if let Err(e) = result {
        let code = aws_sdk_iam::error::ProvideErrorMetadata::code(&e);
        if !matches!(code, Some("EntityAlreadyExists" | "ResourceConflictException")) {
            panic!("seed {what}: {e:?}");
        }
    }
}

pub(crate) async fn iam_role(iam: &aws_sdk_iam::Client, name: &str, trust_policy: &str, boundary: Option<&str>) {
    created(
        name,
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(trust_policy)
            .set_permissions_boundary(boundary.map(iam_policy_arn))
            .send()
            .await,
    );
}

async fn iam_managed_policy(iam: &aws_sdk_iam::Client, name: &str, document: &str) {
    created(name, iam.create_policy().policy_name(name).policy_document(document).send().await);
}

/// The demo account's IAM: an admin role, an escalation policy in mixed case, a `s3:*`
/// policy, a `NotAction` Allow, roles trusted by anyone and by a foreign account without an
/// external id, a shared Lambda execution role without boundary and with broad AWS-managed
/// policies, a compliant Lambda role (boundary, `aws:SourceAccount` in its trust), a console
/// user without MFA (in a group), a user with an access key and a directly attached policy, and
/// a weak password policy. Safe to run again; prints nothing.
pub async fn seed_iam(sdk: &aws_config::SdkConfig) {
    let iam = &aws_sdk_iam::Client::new(sdk);
    let lambda_trust = trust(r#"{"Service":"lambda.amazonaws.com"}"#, None);

    for (name, doc) in [
        ("zt-escalation", ESCALATION_POLICY),
        ("zt-s3-wildcard", S3_WILDCARD_POLICY),
        ("zt-notaction", NOTACTION_POLICY),
        ("zt-boundary", BOUNDARY_POLICY),
        ("zt-dev-read", DEV_READ_POLICY),
    ] {
        iam_managed_policy(iam, name, doc).await;
    }

    iam_role(iam, "zt-admin-role", &trust(r#"{"Service":"ec2.amazonaws.com"}"#, None), None).await;
    created(
        "zt-admin-role inline policy",
        iam.put_role_policy()
            .role_name("zt-admin-role")
            .policy_name("admin")
            .policy_document(ADMIN_POLICY)
            .send()
            .await,
    );

    iam_role(iam, "zt-deployer", &trust(r#"{"Service":"codebuild.amazonaws.com"}"#, None), None).await;
    for policy in ["zt-escalation", "zt-s3-wildcard", "zt-notaction"] {
        created(
            policy,
            iam.attach_role_policy().role_name("zt-deployer").policy_arn(iam_policy_arn(policy)).send().await,
        );
    }

    iam_role(iam, "zt-trust-everyone", &trust(r#"{"AWS":"*"}"#, None), None).await;
    iam_role(iam, "zt-trust-foreign", &trust(r#"{"AWS":"arn:aws:iam::999999999999:root"}"#, None), None).await;

    iam_role(iam, "zt-lambda-broad", &lambda_trust, None).await;
    for arn in [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/AdministratorAccess",
    ] {
        created(arn, iam.attach_role_policy().role_name("zt-lambda-broad").policy_arn(arn).send().await);
    }

    let source_account = format!(r#"{{"StringEquals":{{"aws:SourceAccount":"{ACCOUNT}"}}}}"#);
    iam_role(
        iam,
        "zt-lambda-good",
        &trust(r#"{"Service":"lambda.amazonaws.com"}"#, Some(&source_account)),
        Some("zt-boundary"),
    )
    .await;
    created(
        "zt-lambda-good inline policy",
        iam.put_role_policy()
            .role_name("zt-lambda-good")
            .policy_name("logs")
            .policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/zt-fn-good:*"}]}"#,
            )
            .send()
            .await,
    );

    created("zt-developers", iam.create_group().group_name("zt-developers").send().await);
    created(
        "zt-developers inline policy",
        iam.put_group_policy()
            .group_name("zt-developers")
            .policy_name("read-logs")
            .policy_document(GROUP_INLINE_POLICY)
            .send()
            .await,
    );
    created(
        "zt-developers attachment",
        iam.attach_group_policy().group_name("zt-developers").policy_arn(iam_policy_arn("zt-dev-read")).send().await,
    );

    created("zt-console-user", iam.create_user().user_name("zt-console-user").send().await);
    created(
        "zt-console-user login profile",
        iam.create_login_profile().user_name("zt-console-user").password("Demo-only-Passw0rd!").send().await,
    );
    created(
        "zt-console-user group",
        iam.add_user_to_group().group_name("zt-developers").user_name("zt-console-user").send().await,
    );

    created("zt-key-user", iam.create_user().user_name("zt-key-user").send().await);
    created(
        "zt-key-user attachment",
        iam.attach_user_policy().user_name("zt-key-user").policy_arn(iam_policy_arn("zt-s3-wildcard")).send().await,
    );
    let keys = iam.list_access_keys().user_name("zt-key-user").send().await.expect("list access keys");
    if keys.access_key_metadata().is_empty() {
        // The secret in the answer is dropped unread.
        created("zt-key-user access key", iam.create_access_key().user_name("zt-key-user").send().await.map(|_| ()));
    }

    iam.update_account_password_policy()
        .minimum_password_length(8)
        .require_symbols(false)
        .require_numbers(true)
        .require_uppercase_characters(false)
        .require_lowercase_characters(true)
        .allow_users_to_change_password(true)
        .send()
        .await
        .expect("password policy");

    let lambda = &aws_sdk_lambda::Client::new(sdk);
    for (function, role) in IAM_FUNCTIONS {
        let code = aws_sdk_lambda::types::FunctionCode::builder()
            .zip_file(aws_smithy_types::Blob::new(b"PK\x05\x06demo-only".to_vec()))
            .build();
        let result = lambda
            .create_function()
            .function_name(*function)
            .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
            .handler("bootstrap")
            .role(iam_role_arn(role))
            .code(code)
            .send()
            .await;
        if let Err(e) = result {
            let code = aws_sdk_lambda::error::ProvideErrorMetadata::code(&e);
            assert_eq!(code, Some("ResourceConflictException"), "seed {function}: {e:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lambda

/// The demo functions `seed_lambda` creates (besides the IAM seed's `IAM_FUNCTIONS`).
pub const LAMBDA_FUNCTIONS: &[&str] =
    &["zt-fn-secret-env", "zt-fn-public", "zt-fn-old-runtime", "zt-fn-single-az", "zt-fn-hardened"];

/// The execution role of the Lambda seed's functions.
pub const LAMBDA_SEED_ROLE: &str = "zt-lambda-fn";

/// What `seed_lambda` planted: the secret values put into environment variables. Tests assert
/// that none of them appears anywhere ztscan writes; nothing may print them.
pub struct LambdaSeed {
    pub planted_secrets: Vec<String>,
    pub subnets: Vec<(String, String)>,
}

/// A fresh random secret-looking value, made at run time so that no secret (not even a fake
/// one) is committed to the repository: `<prefix>` + 32 hex digits, hashed from the process's
/// randomly keyed `RandomState`, the clock and a counter.
pub fn fresh_secret(prefix: &str) -> String {
    use sha2::Digest;
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let seed = format!("{}:{nanos}:{prefix}", h.finish());
    let hex: String = sha2::Sha256::digest(seed.as_bytes()).iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}

async fn lambda_created<T, E>(what: &str, result: Result<T, aws_sdk_lambda::error::SdkError<E>>)
where
    E: aws_sdk_lambda::error::ProvideErrorMetadata + std::fmt::Debug,
{
    if let Err(e) = result {
        let code = aws_sdk_lambda::error::ProvideErrorMetadata::code(&e);
        assert!(matches!(code, Some("ResourceConflictException")), "seed {what}: {e:?}");
    }
}

/// The demo account's Lambda functions, one misconfiguration each plus a hardened one:
/// - `zt-fn-secret-env`: a Stripe live key and a database password in its environment (fresh
///   random values), next to variables that only *reference* secrets or are flags, and no CMK;
/// - `zt-fn-public`: a resource policy open to `*` and an S3 grant without a source condition,
///   on the deprecated `nodejs18.x`;
/// - `zt-fn-old-runtime`: `python3.8`;
/// - `zt-fn-single-az`: in a VPC with one subnet;
/// - `zt-fn-hardened`: VPC across two AZs, CMK, active tracing, reserved concurrency, DLQ and
///   on-failure destination, the required tags, an EventBridge grant with `aws:SourceArn`.
///
/// moto has no code-signing-config or function-URL listing APIs: those aspects stay UNKNOWN on
/// moto and are tested with aws-smithy-mocks.
pub async fn seed_lambda(sdk: &aws_config::SdkConfig) -> LambdaSeed {
    let iam = &aws_sdk_iam::Client::new(sdk);
    iam_role(iam, LAMBDA_SEED_ROLE, &trust(r#"{"Service":"lambda.amazonaws.com"}"#, None), None).await;
    let role = iam_role_arn(LAMBDA_SEED_ROLE);

    let ec2 = aws_sdk_ec2::Client::new(sdk);
    let vpc = ec2.create_vpc().cidr_block("10.42.0.0/16").send().await.expect("create vpc");
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).expect("vpc id").to_string();
    let mut subnets = Vec::new();
    for (cidr, az) in [("10.42.1.0/24", "us-east-1a"), ("10.42.2.0/24", "us-east-1b")] {
        let s = ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block(cidr)
            .availability_zone(az)
            .send()
            .await
            .expect("create subnet");
        subnets.push((s.subnet().and_then(|s| s.subnet_id()).expect("subnet id").to_string(), az.to_string()));
    }
    let sg = ec2
        .create_security_group()
        .group_name("zt-fn-sg")
        .description("ztscan demo functions")
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect("create security group");
    let sg_id = sg.group_id().expect("group id").to_string();

    let sqs = aws_sdk_sqs::Client::new(sdk);
    let dlq = sqs.create_queue().queue_name("zt-fn-failures").send().await.expect("create dlq");
    let dlq_url = dlq.queue_url().expect("queue url");
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(dlq_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue arn")
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn).cloned())
        .expect("queue arn attribute");

    let stripe = fresh_secret("sk_live_");
    let password = fresh_secret("Zq9!");
    let lambda = &aws_sdk_lambda::Client::new(sdk);
    use aws_sdk_lambda::types::{
        DeadLetterConfig, DestinationConfig, Environment, OnFailure, Runtime, TracingConfig, TracingMode, VpcConfig,
    };
    let env = |vars: &[(&str, &str)]| {
        Environment::builder()
            .set_variables(Some(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()))
            .build()
    };
    let vpc_config = |subnet_ids: Vec<String>| {
        VpcConfig::builder().set_subnet_ids(Some(subnet_ids)).security_group_ids(sg_id.clone()).build()
    };
    let secret_arn = format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/db-AbCdEf");
    /// (name, runtime, environment, VPC attachment, hardened).
    type Spec<'a> = (&'a str, Runtime, Option<Environment>, Option<VpcConfig>, bool);
    let specs: Vec<Spec> = vec![
        (
            "zt-fn-secret-env",
            Runtime::Python313,
            Some(env(&[
                ("STRIPE_API_KEY", &stripe),
                ("DB_PASSWORD", &password),
                ("DB_SECRET_ARN", &secret_arn),
                ("ENABLE_PASSWORD_RESET", "true"),
                ("LOG_LEVEL", "DEBUG"),
            ])),
            None,
            false,
        ),
        ("zt-fn-public", Runtime::Nodejs18x, None, None, false),
        ("zt-fn-old-runtime", Runtime::Python38, None, None, false),
        ("zt-fn-single-az", Runtime::Python313, None, Some(vpc_config(vec![subnets[0].0.clone()])), false),
        (
            "zt-fn-hardened",
            Runtime::Python313,
            Some(env(&[("LOG_LEVEL", "INFO"), ("DB_SECRET_ID", "prod/app/db")])),
            Some(vpc_config(subnets.iter().map(|(id, _)| id.clone()).collect())),
            true,
        ),
    ];
    for (name, runtime, environment, vpc, hardened) in specs {
        let code = aws_sdk_lambda::types::FunctionCode::builder()
            .zip_file(aws_smithy_types::Blob::new(b"PK\x05\x06demo-only".to_vec()))
            .build();
        let mut create = lambda
            .create_function()
            .function_name(name)
            .runtime(runtime)
            .handler("app.handler")
            .role(&role)
            .code(code)
            .set_environment(environment)
            .set_vpc_config(vpc);
        if hardened {
            create = create
                .kms_key_arn(format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"))
                .tracing_config(TracingConfig::builder().mode(TracingMode::Active).build())
                .dead_letter_config(DeadLetterConfig::builder().target_arn(&dlq_arn).build())
                .tags("owner", "platform")
                .tags("data-classification", "internal");
        }
        lambda_created(name, create.send().await).await;
    }
    lambda_created(
        "zt-fn-hardened concurrency",
        lambda
            .put_function_concurrency()
            .function_name("zt-fn-hardened")
            .reserved_concurrent_executions(5)
            .send()
            .await,
    )
    .await;
    lambda_created(
        "zt-fn-hardened event invoke config",
        lambda
            .put_function_event_invoke_config()
            .function_name("zt-fn-hardened")
            .destination_config(
                DestinationConfig::builder().on_failure(OnFailure::builder().destination(&dlq_arn).build()).build(),
            )
            .send()
            .await,
    )
    .await;
    lambda_created(
        "zt-fn-hardened events permission",
        lambda
            .add_permission()
            .function_name("zt-fn-hardened")
            .statement_id("events-rule")
            .action("lambda:InvokeFunction")
            .principal("events.amazonaws.com")
            .source_arn(format!("arn:aws:events:us-east-1:{ACCOUNT}:rule/zt-nightly"))
            .send()
            .await,
    )
    .await;
    for (sid, principal) in [("public", "*"), ("s3-any-bucket", "s3.amazonaws.com")] {
        lambda_created(
            sid,
            lambda
                .add_permission()
                .function_name("zt-fn-public")
                .statement_id(sid)
                .action("lambda:InvokeFunction")
                .principal(principal)
                .send()
                .await,
        )
        .await;
    }
    LambdaSeed { planted_secrets: vec![stripe, password], subnets }
}

/// What an audit left on the findings queue.
#[derive(Debug, Default)]
pub struct QueuedReport {
    /// Every message body as sent (for leak checks).
    pub bodies: Vec<String>,
    pub findings: Vec<ztscan::Finding>,
    pub sweeps: Vec<ztscan::pipeline::ScanSummary>,
}

/// Drain the findings queue (receive and delete until it is empty). Every message must parse,
/// and every findings message must come from `audit`.
pub async fn drain_findings_queue(sdk: &aws_config::SdkConfig, url: &str, audit: &str) -> QueuedReport {
    use ztscan::pipeline::QueueMessage;
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let mut report = QueuedReport::default();
    loop {
        let out = sqs.receive_message().queue_url(url).max_number_of_messages(10).send().await.expect("receive");
        if out.messages().is_empty() {
            break;
        }
        for msg in out.messages() {
            let text = msg.body().unwrap_or_default();
            match serde_json::from_str(text).expect("a findings queue message") {
                QueueMessage::Findings { audit: from, findings } => {
                    assert_eq!(from, audit, "findings from another audit");
                    report.findings.extend(findings);
                }
                QueueMessage::ScanComplete(summary) => report.sweeps.push(summary),
            }
            report.bodies.push(text.to_string());
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(msg.receipt_handle().unwrap_or_default())
                .send()
                .await
                .expect("delete");
        }
    }
    report
}
