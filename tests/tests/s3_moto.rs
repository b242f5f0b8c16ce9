//! The S3 audit end to end against the moto server: buckets seeded through the Rust SDK with
//! one misconfiguration each (and compliant ones), scanned with the real collector, each S3
//! rule's verdict asserted.

use std::collections::HashMap;

use aws_sdk_s3::types::{
    ObjectOwnership, OwnershipControls, OwnershipControlsRule, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
};
use ztscan::audit::s3 as s3_audit;
use ztscan::audit::s3::collector::S3Collector;
use ztscan::collect::aws::s3_client;
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::seed::{block_account_public_access, create, seed_buckets};
use ztscan_tests::{moto, ACCOUNT};

fn verdicts(findings: &[Finding]) -> HashMap<(String, String), (Status, String)> {
    findings.iter().map(|f| ((f.rule_id.clone(), f.resource.id.clone()), (f.status, f.reason.clone()))).collect()
}

fn assert_status(v: &HashMap<(String, String), (Status, String)>, rule: &str, bucket: &str, want: Status) {
    let (got, reason) =
        v.get(&(rule.to_string(), bucket.to_string())).unwrap_or_else(|| panic!("no finding for {rule} on {bucket}"));
    assert_eq!(*got, want, "{rule} on {bucket}: {reason}");
}

async fn scan(sdk: &aws_config::SdkConfig) -> Vec<Finding> {
    let ctx = ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), ScanConfig::default());
    let collector = S3Collector::new(sdk, 8, None);
    let report = s3_audit::scan_all(&collector, &ctx).await;
    assert!(report.summary.is_some(), "a complete listing asks for an archive sweep");
    report.findings
}

#[tokio::test]
async fn every_s3_rule_against_moto() {
    let m = moto().await;
    seed_buckets(&m.sdk).await;
    block_account_public_access(&m.sdk).await;
    let findings = scan(&m.sdk).await;
    let v = verdicts(&findings);

    assert_status(&v, "s3.account-public-access-blocked", ACCOUNT, Status::Pass);

    // The compliant bucket passes every rule that applies to it.
    for rule in s3_audit::rule_ids().iter().filter(|r| r.starts_with("s3.bucket-")) {
        let (status, reason) = &v[&(rule.clone(), "zt-good".to_string())];
        assert!(matches!(status, Status::Pass | Status::NotApplicable), "{rule} on zt-good: {status} {reason}");
    }
    assert_status(&v, "s3.bucket-mfa-delete-enabled", "zt-good", Status::NotApplicable);
    assert_status(&v, "s3.bucket-restricted-to-vpc-endpoint", "zt-good", Status::NotApplicable);

    // Nothing configured.
    for rule in [
        "s3.bucket-public-access-blocked",
        "s3.bucket-requires-tls",
        "s3.bucket-versioning-enabled",
        "s3.bucket-replicated-cross-region",
        "s3.bucket-access-logging-enabled",
    ] {
        assert_status(&v, rule, "zt-plain", Status::Fail);
    }
    assert_status(&v, "s3.bucket-not-public", "zt-plain", Status::Pass);
    assert_status(&v, "s3.bucket-no-broad-cross-account", "zt-plain", Status::Pass);

    // A public policy is neutralised by the account-level RestrictPublicBuckets.
    assert_status(&v, "s3.bucket-not-public", "zt-public-policy", Status::Pass);
    assert_status(&v, "s3.bucket-public-access-blocked", "zt-public-policy", Status::Fail);
    assert_status(&v, "s3.bucket-requires-tls", "zt-public-policy", Status::Fail);

    assert_status(&v, "s3.bucket-no-broad-cross-account", "zt-cross-account", Status::Fail);
    assert!(v[&("s3.bucket-no-broad-cross-account".into(), "zt-cross-account".into())].1.contains("999999999999"));

    // moto never returns MFADelete, so a critical bucket fails here (the pass is in s3_mocks.rs).
    assert_status(&v, "s3.bucket-mfa-delete-enabled", "zt-critical", Status::Fail);

    assert_status(&v, "s3.bucket-restricted-to-vpc-endpoint", "zt-private", Status::Pass);
    assert_status(&v, "s3.bucket-restricted-to-vpc-endpoint", "zt-private-open", Status::Fail);

    // The replica lives in us-west-2 and is reported in its own region.
    let replica = findings.iter().find(|f| f.resource.id == "zt-replica-west").expect("replica scanned");
    assert_eq!(replica.resource.region, "us-west-2");
}

#[tokio::test]
async fn public_policy_fails_without_account_block_and_account_rule_fails() {
    let m = moto().await;
    seed_buckets(&m.sdk).await;
    let v = verdicts(&scan(&m.sdk).await);
    assert_status(&v, "s3.account-public-access-blocked", ACCOUNT, Status::Fail);
    assert_status(&v, "s3.bucket-not-public", "zt-public-policy", Status::Fail);
    assert_status(&v, "s3.bucket-not-public", "zt-good", Status::Pass);
}

#[tokio::test]
async fn unencrypted_and_acl_enabled_buckets_fail() {
    let m = moto().await;
    let s3 = s3_client(&m.sdk, None);
    create(&s3, "zt-aes", "us-east-1").await;
    let by_default =
        ServerSideEncryptionByDefault::builder().sse_algorithm(ServerSideEncryption::Aes256).build().unwrap();
    let conf = ServerSideEncryptionConfiguration::builder()
        .rules(ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(by_default).build())
        .build()
        .unwrap();
    s3.put_bucket_encryption().bucket("zt-aes").server_side_encryption_configuration(conf).send().await.unwrap();
    let c = OwnershipControls::builder()
        .rules(OwnershipControlsRule::builder().object_ownership(ObjectOwnership::ObjectWriter).build().unwrap())
        .build()
        .unwrap();
    s3.put_bucket_ownership_controls().bucket("zt-aes").ownership_controls(c).send().await.unwrap();
    let v = verdicts(&scan(&m.sdk).await);
    assert_status(&v, "s3.bucket-encrypted-with-kms", "zt-aes", Status::Fail);
    assert_status(&v, "s3.bucket-acls-disabled", "zt-aes", Status::Fail);
}

#[tokio::test]
async fn single_bucket_scan_and_deleted_bucket() {
    let m = moto().await;
    let s3 = s3_client(&m.sdk, None);
    create(&s3, "zt-one", "us-east-1").await;
    create(&s3, "zt-other", "us-east-1").await;
    let ctx = ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), ScanConfig::default());
    let collector = S3Collector::new(&m.sdk, 4, None);
    let report = s3_audit::scan_bucket(&collector, "zt-one", "us-east-1", &ctx).await;
    assert!(report.summary.is_none(), "a single-resource scan never archives");
    assert!(!report.findings.is_empty() && report.findings.iter().all(|f| f.resource.id == "zt-one"));

    s3.delete_bucket().bucket("zt-one").send().await.unwrap();
    let report = s3_audit::scan_bucket(&collector, "zt-one", "us-east-1", &ctx).await;
    assert!(report.findings.iter().all(|f| f.status == Status::NotApplicable), "{:?}", report.findings);
}
