//! The S3 collector's real code path on answers moto cannot give, served by
//! `aws-smithy-mocks`: paginated bucket listings, AccessDenied, MFA delete, and a bucket policy
//! that is not JSON.

use aws_sdk_s3::error::ErrorMetadata;
use aws_sdk_s3::operation::get_bucket_location::{GetBucketLocationError, GetBucketLocationOutput};
use aws_sdk_s3::operation::get_bucket_policy::{GetBucketPolicyError, GetBucketPolicyOutput};
use aws_sdk_s3::operation::get_bucket_tagging::GetBucketTaggingOutput;
use aws_sdk_s3::operation::get_bucket_versioning::GetBucketVersioningOutput;
use aws_sdk_s3::operation::list_buckets::{ListBucketsError, ListBucketsOutput};
use aws_sdk_s3::types::{Bucket, BucketVersioningStatus, MfaDeleteStatus, Tag};
use aws_sdk_s3control::operation::get_public_access_block::GetPublicAccessBlockOutput;
use aws_sdk_s3control::types::PublicAccessBlockConfiguration;
use aws_smithy_mocks::mock;
use ztscan::audit::s3 as s3_audit;
use ztscan::audit::s3::collector::S3Collector;
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::{mock_s3, mock_s3control, ACCOUNT};

fn ctx() -> ScanContext {
    ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), ScanConfig::default())
}

fn bucket(name: &str) -> Bucket {
    Bucket::builder().name(name).bucket_region("us-east-1").build()
}

fn account_block() -> aws_smithy_mocks::Rule {
    mock!(aws_sdk_s3control::Client::get_public_access_block).then_output(|| {
        GetPublicAccessBlockOutput::builder()
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .build()
    })
}

fn find<'a>(findings: &'a [Finding], rule: &str, bucket: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule_id == rule && f.resource.id == bucket)
        .unwrap_or_else(|| panic!("no {rule} finding for {bucket}"))
}

#[tokio::test]
async fn listing_follows_continuation_tokens_across_pages() {
    let first = mock!(aws_sdk_s3::Client::list_buckets)
        .match_requests(|r| r.continuation_token().is_none())
        .then_output(|| {
            ListBucketsOutput::builder()
                .buckets(bucket("page1-a"))
                .buckets(bucket("page1-b"))
                .continuation_token("t2")
                .build()
        });
    let second = mock!(aws_sdk_s3::Client::list_buckets)
        .match_requests(|r| r.continuation_token() == Some("t2"))
        .then_output(|| ListBucketsOutput::builder().buckets(bucket("page2-a")).continuation_token("t3").build());
    let third = mock!(aws_sdk_s3::Client::list_buckets)
        .match_requests(|r| r.continuation_token() == Some("t3"))
        .then_output(|| ListBucketsOutput::builder().buckets(bucket("page3-a")).build());
    let s3 = mock_s3(&[&first, &second, &third]);
    let collector = S3Collector::from_clients(s3, mock_s3control(&[&account_block()]), 4, Some(2));
    let inventory = collector.collect_all(ACCOUNT).await;
    let names: Vec<String> = inventory.buckets.expect("listing succeeds").iter().map(|b| b.name.clone()).collect();
    assert_eq!(names, vec!["page1-a", "page1-b", "page2-a", "page3-a"]);
    assert_eq!((first.num_calls(), second.num_calls(), third.num_calls()), (1, 1, 1));
}

#[tokio::test]
async fn access_denied_on_one_aspect_is_unknown_with_the_reason() {
    let list = mock!(aws_sdk_s3::Client::list_buckets)
        .then_output(|| ListBucketsOutput::builder().buckets(bucket("locked")).build());
    let denied = mock!(aws_sdk_s3::Client::get_bucket_policy).then_error(|| {
        GetBucketPolicyError::generic(ErrorMetadata::builder().code("AccessDenied").message("Access Denied").build())
    });
    let collector = S3Collector::from_clients(mock_s3(&[&list, &denied]), mock_s3control(&[&account_block()]), 4, None);
    let report = s3_audit::scan_all(&collector, &ctx()).await;
    for rule in ["s3.bucket-not-public", "s3.bucket-requires-tls", "s3.bucket-no-broad-cross-account"] {
        let f = find(&report.findings, rule, "locked");
        assert_eq!(f.status, Status::Unknown, "{rule}: {}", f.reason);
        assert!(f.reason.contains("access denied on s3:GetBucketPolicy"), "{rule}: {}", f.reason);
    }
}

#[tokio::test]
async fn access_denied_on_the_listing_is_unknown_and_archives_nothing() {
    let list = mock!(aws_sdk_s3::Client::list_buckets).then_error(|| {
        ListBucketsError::generic(ErrorMetadata::builder().code("AccessDenied").message("Access Denied").build())
    });
    let collector = S3Collector::from_clients(mock_s3(&[&list]), mock_s3control(&[&account_block()]), 4, None);
    let report = s3_audit::scan_all(&collector, &ctx()).await;
    assert!(report.summary.is_none(), "an incomplete listing must not archive findings");
    let bucket_findings: Vec<&Finding> =
        report.findings.iter().filter(|f| f.rule_id.starts_with("s3.bucket-")).collect();
    assert!(!bucket_findings.is_empty());
    for f in bucket_findings {
        assert_eq!(f.status, Status::Unknown);
        assert_eq!(f.resource.resource_type, "AwsAccount");
        assert!(f.reason.contains("s3:ListAllMyBuckets"), "{}", f.reason);
    }
    assert_eq!(find(&report.findings, "s3.account-public-access-blocked", ACCOUNT).status, Status::Pass);
}

#[tokio::test]
async fn mfa_delete_on_a_critical_bucket_passes() {
    let list = mock!(aws_sdk_s3::Client::list_buckets)
        .then_output(|| ListBucketsOutput::builder().buckets(bucket("vault")).build());
    let tags = mock!(aws_sdk_s3::Client::get_bucket_tagging).then_output(|| {
        GetBucketTaggingOutput::builder()
            .tag_set(Tag::builder().key("data-classification").value("critical").build().unwrap())
            .build()
            .unwrap()
    });
    let versioning = mock!(aws_sdk_s3::Client::get_bucket_versioning).then_output(|| {
        GetBucketVersioningOutput::builder()
            .status(BucketVersioningStatus::Enabled)
            .mfa_delete(MfaDeleteStatus::Enabled)
            .build()
    });
    let collector =
        S3Collector::from_clients(mock_s3(&[&list, &tags, &versioning]), mock_s3control(&[&account_block()]), 4, None);
    let report = s3_audit::scan_all(&collector, &ctx()).await;
    assert_eq!(find(&report.findings, "s3.bucket-mfa-delete-enabled", "vault").status, Status::Pass);
    assert_eq!(find(&report.findings, "s3.bucket-versioning-enabled", "vault").status, Status::Pass);
}

#[tokio::test]
async fn a_policy_that_is_not_json_is_unknown_naming_the_problem() {
    let list = mock!(aws_sdk_s3::Client::list_buckets)
        .then_output(|| ListBucketsOutput::builder().buckets(bucket("odd")).build());
    let bad = mock!(aws_sdk_s3::Client::get_bucket_policy)
        .then_output(|| GetBucketPolicyOutput::builder().policy("{not json").build());
    let collector = S3Collector::from_clients(mock_s3(&[&list, &bad]), mock_s3control(&[&account_block()]), 4, None);
    let report = s3_audit::scan_all(&collector, &ctx()).await;
    let f = find(&report.findings, "s3.bucket-not-public", "odd");
    assert_eq!(f.status, Status::Unknown);
    assert!(f.reason.contains("bucket policy") && f.reason.contains("not valid JSON"), "{}", f.reason);
}

#[tokio::test]
async fn a_bucket_that_vanished_is_not_applicable() {
    let location = mock!(aws_sdk_s3::Client::get_bucket_location).then_error(|| {
        GetBucketLocationError::generic(ErrorMetadata::builder().code("NoSuchBucket").message("gone").build())
    });
    let collector = S3Collector::from_clients(mock_s3(&[&location]), mock_s3control(&[&account_block()]), 4, None);
    let report = s3_audit::scan_bucket(&collector, "gone", "eu-west-1", &ctx()).await;
    assert!(!report.findings.is_empty());
    assert!(report.findings.iter().all(|f| f.status == Status::NotApplicable && f.resource.region == "eu-west-1"));
    let _ = GetBucketLocationOutput::builder().build();
}
