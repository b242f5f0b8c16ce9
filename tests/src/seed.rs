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

use crate::ACCOUNT;

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
}

impl Pipeline {
    /// The environment the functions run with against the local AWS at `endpoint`.
    pub fn function_env<'a>(&'a self, endpoint: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
            ("FINDINGS_QUEUE_URL", self.findings_queue_url.as_str()),
            ("SCAN_COMPLETE_DELAY_SECONDS", "0"),
            ("ALERT_TOPIC_ARN", self.topic_arn.as_str()),
            ("MIN_ALERT_SEVERITY", "HIGH"),
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
    Pipeline { findings_queue_url, findings_queue_arn, topic_arn, inbox_queue_url }
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
