//! The Secrets Manager collector's real code path on answers moto cannot give, served by
//! `aws-smithy-mocks`: a `ListSecrets` listing over several pages, AccessDenied on the listing
//! (every rule UNKNOWN, no archive sweep) and on one `GetResourcePolicy`, a rotation stuck with
//! a version staged `AWSPENDING` only, a policy that is not JSON, and `DescribeSecret` for a
//! secret that is gone, scheduled for deletion, or unreadable.

use aws_sdk_secretsmanager::error::ErrorMetadata;
use aws_sdk_secretsmanager::operation::describe_secret::{DescribeSecretError, DescribeSecretOutput};
use aws_sdk_secretsmanager::operation::get_resource_policy::{GetResourcePolicyError, GetResourcePolicyOutput};
use aws_sdk_secretsmanager::operation::list_secrets::{ListSecretsError, ListSecretsOutput};
use aws_sdk_secretsmanager::types::{RotationRulesType, SecretListEntry};
use aws_smithy_mocks::mock;
use aws_smithy_types::DateTime;
use ztscan::audit::secretsmanager as secrets_audit;
use ztscan::audit::secretsmanager::collector::SecretsCollector;
use ztscan::events::ChangedResource;
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::{mock_secretsmanager, ACCOUNT};

const DAY: i64 = 86_400;

fn ctx() -> ScanContext {
    ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), ScanConfig::default())
}

fn arn(name: &str) -> String {
    format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{name}-AbCdEf")
}

fn days_ago(days: i64) -> DateTime {
    DateTime::from_secs(chrono::Utc::now().timestamp() - days * DAY)
}

/// A healthy listed secret: rotation every 30 days, rotated 3 days ago, read yesterday, a CMK.
fn entry(name: &str) -> SecretListEntry {
    entry_builder(name).build()
}

fn entry_builder(name: &str) -> aws_sdk_secretsmanager::types::builders::SecretListEntryBuilder {
    SecretListEntry::builder()
        .arn(arn(name))
        .name(name)
        .kms_key_id("alias/app-secrets")
        .rotation_enabled(true)
        .rotation_rules(RotationRulesType::builder().automatically_after_days(30).build())
        .last_rotated_date(days_ago(3))
        .last_accessed_date(days_ago(1))
        .next_rotation_date(DateTime::from_secs(chrono::Utc::now().timestamp() + 27 * DAY))
        .created_date(days_ago(400))
        .secret_versions_to_stages("v2", vec!["AWSCURRENT".to_string()])
}

fn no_policy() -> aws_smithy_mocks::Rule {
    mock!(aws_sdk_secretsmanager::Client::get_resource_policy)
        .then_output(|| GetResourcePolicyOutput::builder().build())
}

fn list_of(entries: Vec<SecretListEntry>) -> aws_smithy_mocks::Rule {
    mock!(aws_sdk_secretsmanager::Client::list_secrets)
        .then_output(move || ListSecretsOutput::builder().set_secret_list(Some(entries.clone())).build())
}

fn denied(message: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code("AccessDeniedException").message(message).build()
}

fn find<'a>(findings: &'a [Finding], rule: &str, secret: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule_id == rule && f.resource.id == secret)
        .unwrap_or_else(|| panic!("no {rule} finding for {secret}"))
}

#[tokio::test]
async fn listing_follows_next_tokens_across_pages() {
    let first = mock!(aws_sdk_secretsmanager::Client::list_secrets)
        .match_requests(|r| r.next_token().is_none() && r.max_results() == Some(2))
        .then_output(|| {
            ListSecretsOutput::builder().secret_list(entry("p1-a")).secret_list(entry("p1-b")).next_token("t2").build()
        });
    let second = mock!(aws_sdk_secretsmanager::Client::list_secrets)
        .match_requests(|r| r.next_token() == Some("t2"))
        .then_output(|| ListSecretsOutput::builder().secret_list(entry("p2-a")).next_token("t3").build());
    let third = mock!(aws_sdk_secretsmanager::Client::list_secrets)
        .match_requests(|r| r.next_token() == Some("t3"))
        .then_output(|| ListSecretsOutput::builder().secret_list(entry("p3-a")).build());
    let policy = no_policy();
    let client = mock_secretsmanager(&[&first, &second, &third, &policy]);
    let config = ScanConfig { page_size: Some(2), concurrency: 2, ..ScanConfig::default() };
    let inventory = SecretsCollector::from_client(client, &config).collect_all().await;
    let names: Vec<String> = inventory.secrets.expect("listing succeeds").iter().map(|s| s.name.clone()).collect();
    assert_eq!(names, vec!["p1-a", "p1-b", "p2-a", "p3-a"]);
    assert_eq!((first.num_calls(), second.num_calls(), third.num_calls()), (1, 1, 1));
    assert_eq!(policy.num_calls(), 4, "one GetResourcePolicy per secret");
}

#[tokio::test]
async fn access_denied_on_the_listing_is_unknown_without_an_archive_sweep() {
    let list = mock!(aws_sdk_secretsmanager::Client::list_secrets)
        .then_error(|| ListSecretsError::generic(denied("not authorized to perform secretsmanager:ListSecrets")));
    let policy = no_policy();
    let collector = SecretsCollector::from_client(mock_secretsmanager(&[&list, &policy]), &ScanConfig::default());
    let report = secrets_audit::scan_all(&collector, &ctx()).await;
    assert!(report.summary.is_none(), "an incomplete listing must not archive anything");
    assert_eq!(report.findings.len(), secrets_audit::rule_ids().len());
    for f in &report.findings {
        assert_eq!(f.status, Status::Unknown, "{}", f.rule_id);
        assert!(f.reason.contains("access denied on secretsmanager:ListSecrets"), "{}", f.reason);
        assert_eq!(f.resource.resource_type, "AwsAccount");
    }
    assert_eq!(policy.num_calls(), 0);
}

#[tokio::test]
async fn access_denied_on_one_policy_is_unknown_for_that_rule_only() {
    let list = list_of(vec![entry("locked"), entry("open")]);
    let locked_arn = arn("locked");
    let denied_policy = mock!(aws_sdk_secretsmanager::Client::get_resource_policy)
        .match_requests(move |r| r.secret_id() == Some(locked_arn.as_str()))
        .then_error(|| GetResourcePolicyError::generic(denied("not authorized")));
    let policy = no_policy();
    let collector =
        SecretsCollector::from_client(mock_secretsmanager(&[&list, &denied_policy, &policy]), &ScanConfig::default());
    let report = secrets_audit::scan_all(&collector, &ctx()).await;
    assert!(report.summary.is_some(), "the listing itself succeeded");
    let f = find(&report.findings, "secretsmanager.policy-not-public", "locked");
    assert_eq!(f.status, Status::Unknown);
    assert!(f.reason.contains("access denied on secretsmanager:GetResourcePolicy"), "{}", f.reason);
    for rule in ["secretsmanager.rotation-enabled", "secretsmanager.rotated-recently", "secretsmanager.secret-used"] {
        assert_eq!(find(&report.findings, rule, "locked").status, Status::Pass, "{rule}");
    }
    assert_eq!(find(&report.findings, "secretsmanager.policy-not-public", "open").status, Status::Pass);
}

#[tokio::test]
async fn a_stuck_rotation_and_a_policy_that_is_not_json() {
    let stuck = entry_builder("stuck")
        .secret_versions_to_stages("v3", vec!["AWSPENDING".to_string()])
        .next_rotation_date(days_ago(4))
        .build();
    let list = list_of(vec![stuck, entry("garbled")]);
    let garbled_arn = arn("garbled");
    let garbled = mock!(aws_sdk_secretsmanager::Client::get_resource_policy)
        .match_requests(move |r| r.secret_id() == Some(garbled_arn.as_str()))
        .then_output(|| {
            GetResourcePolicyOutput::builder().name("garbled").resource_policy("{\"Statement\": [").build()
        });
    let policy = no_policy();
    let collector =
        SecretsCollector::from_client(mock_secretsmanager(&[&list, &garbled, &policy]), &ScanConfig::default());
    let report = secrets_audit::scan_all(&collector, &ctx()).await;

    let f = find(&report.findings, "secretsmanager.rotated-recently", "stuck");
    assert_eq!(f.status, Status::Fail);
    assert!(f.reason.contains("version v3 holds AWSPENDING without AWSCURRENT"), "{}", f.reason);
    assert!(f.reason.contains("4 days overdue"), "{}", f.reason);

    let f = find(&report.findings, "secretsmanager.policy-not-public", "garbled");
    assert_eq!(f.status, Status::Unknown);
    assert!(f.reason.contains("malformed document on secretsmanager:GetResourcePolicy"), "{}", f.reason);
    assert!(f.reason.contains("resource policy of secret garbled"), "{}", f.reason);
}

fn changed(name: &str) -> ChangedResource {
    ChangedResource {
        resource_name: Some(name.into()),
        arn: Some(arn(name)),
        ..ChangedResource::fixture("AWS::SecretsManager::Secret", &arn(name))
    }
}

#[tokio::test]
async fn describe_secret_for_a_change_event() {
    let gone_arn = arn("gone");
    let gone = mock!(aws_sdk_secretsmanager::Client::describe_secret)
        .match_requests(move |r| r.secret_id() == Some(gone_arn.as_str()))
        .then_error(|| {
            DescribeSecretError::generic(
                ErrorMetadata::builder().code("ResourceNotFoundException").message("can't find the secret").build(),
            )
        });
    let scheduled_arn = arn("scheduled");
    let scheduled = mock!(aws_sdk_secretsmanager::Client::describe_secret)
        .match_requests(move |r| r.secret_id() == Some(scheduled_arn.as_str()))
        .then_output(|| {
            DescribeSecretOutput::builder().arn(arn("scheduled")).name("scheduled").deleted_date(days_ago(1)).build()
        });
    let locked_arn = arn("locked");
    let locked = mock!(aws_sdk_secretsmanager::Client::describe_secret)
        .match_requests(move |r| r.secret_id() == Some(locked_arn.as_str()))
        .then_error(|| DescribeSecretError::generic(denied("not authorized")));
    let live = mock!(aws_sdk_secretsmanager::Client::describe_secret).then_output(|| {
        DescribeSecretOutput::builder()
            .arn(arn("live"))
            .name("live")
            .created_date(days_ago(200))
            .version_ids_to_stages("v1", vec!["AWSCURRENT".to_string()])
            .build()
    });
    let policy = no_policy();
    let client = mock_secretsmanager(&[&gone, &scheduled, &locked, &live, &policy]);
    let collector = SecretsCollector::from_client(client, &ScanConfig::default());
    let ctx = ctx();

    for name in ["gone", "scheduled"] {
        let report = secrets_audit::scan_changed(&collector, &changed(name), &ctx).await;
        assert_eq!(report.findings.len(), 5, "{name}");
        assert!(report.findings.iter().all(|f| f.status == Status::NotApplicable), "{name}: {:?}", report.findings);
    }
    let report = secrets_audit::scan_changed(&collector, &changed("locked"), &ctx).await;
    assert!(report
        .findings
        .iter()
        .all(|f| f.status == Status::Unknown && f.reason.contains("access denied on secretsmanager:DescribeSecret")));
    assert_eq!(report.findings[0].resource.arn.as_deref(), Some(arn("locked").as_str()));

    let report = secrets_audit::scan_changed(&collector, &changed("live"), &ctx).await;
    assert!(report.summary.is_none());
    let f = find(&report.findings, "secretsmanager.rotation-enabled", "live");
    assert_eq!(f.status, Status::Fail, "{}", f.reason);
    let f = find(&report.findings, "secretsmanager.secret-used", "live");
    assert_eq!(f.status, Status::Fail, "{}", f.reason);
    assert!(f.reason.contains("never accessed"), "{}", f.reason);
    assert_eq!(find(&report.findings, "secretsmanager.encrypted-with-cmk", "live").status, Status::Fail);
    assert_eq!(policy.num_calls(), 1, "only the live secret's policy is read");
}
