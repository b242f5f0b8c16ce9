//! The Secrets Manager collector and audit against the moto server: secrets seeded through the
//! Rust SDK (`seed::secrets`) with and without rotation, a customer-managed key (a key ARN moto
//! accepts without KMS), a failed rotation that leaves a version `AWSPENDING`, a public and a
//! restricted resource policy; collected with the real collector and judged by the real rules.
//! The last test runs the `secrets-audit` binary on the Lambda Runtime API emulator and reads
//! its findings off the findings queue.
//!
//! moto facts used here (moto 5.1): `RotateSecret` without a function rotates at once; with a
//! function that does not exist it fails *after* staging the new version `AWSPENDING` and
//! enabling rotation (a faithful stuck rotation); `KmsKeyId` is returned as given, and omitted
//! for the AWS-managed key; `LastAccessedDate` is never set (moto does not record reads).

use std::collections::BTreeMap;

use ztscan::audit::secretsmanager as secrets_audit;
use ztscan::audit::secretsmanager::collector::SecretsCollector;
use ztscan::events::ChangedResource;
use ztscan::resources::secretsmanager::{Secret, STAGE_PENDING};
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::lambda::Emulator;
use ztscan_tests::seed::secrets::{
    public_policy, restricted_policy, seed_secrets, CMK_ARN, GOOD, PLAIN, PUBLIC, ROTATION_FAILED, SECRETS,
};
use ztscan_tests::seed::{create_pipeline, drain_findings_queue};
use ztscan_tests::{moto, root, ACCOUNT};

fn ctx() -> ScanContext {
    ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), ScanConfig::default())
}

fn status_of(findings: &[Finding], rule: &str, secret: &str) -> (Status, String) {
    let f = findings
        .iter()
        .find(|f| f.rule_id == rule && f.resource.id == secret)
        .unwrap_or_else(|| panic!("no {rule} finding for {secret}"));
    (f.status, f.reason.clone())
}

fn secret<'a>(all: &'a [Secret], name: &str) -> &'a Secret {
    all.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("{name} was not collected"))
}

#[tokio::test]
async fn the_collector_reads_the_seeded_secrets() {
    let m = moto().await;
    let arns: BTreeMap<String, String> = seed_secrets(&m.sdk).await.into_iter().collect();
    let inventory = SecretsCollector::new(&m.sdk, &ScanConfig::default()).collect_all().await;
    let all = inventory.secrets.expect("the listing succeeds");
    let mut names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    let mut want = SECRETS.to_vec();
    want.sort_unstable();
    assert_eq!(names, want);

    let good = secret(&all, GOOD);
    assert_eq!(good.arn, arns[GOOD]);
    assert_eq!(good.region, "us-east-1");
    assert_eq!(good.kms_key_id.as_deref(), Some(CMK_ARN));
    assert!(good.rotation_enabled);
    assert_eq!(good.rotation_interval_days, Some(30));
    assert!(good.last_rotated.is_some() && good.created.is_some() && good.next_rotation.is_some());
    assert_eq!(good.tags.get("owner").map(String::as_str), Some("platform"));
    assert_eq!(good.policy, Ok(Some(ztscan::policy::PolicyDocument::parse(&restricted_policy()).unwrap())));

    let plain = secret(&all, PLAIN);
    assert!(!plain.rotation_enabled);
    assert_eq!(plain.kms_key_id, None);
    assert_eq!(plain.policy, Ok(None));
    assert!(plain.uses_aws_managed_key());

    assert_eq!(secret(&all, PUBLIC).policy, Ok(Some(ztscan::policy::PolicyDocument::parse(&public_policy()).unwrap())));
    let failed = secret(&all, ROTATION_FAILED);
    assert!(failed.rotation_enabled);
    assert_eq!(failed.pending_versions().len(), 1, "{:?}", failed.version_stages);
    assert!(failed.version_stages.values().any(|stages| stages.iter().any(|s| s == STAGE_PENDING)));
}

#[tokio::test]
async fn a_full_scan_finds_each_misconfiguration_and_passes_the_good_secret() {
    let m = moto().await;
    seed_secrets(&m.sdk).await;
    let collector = SecretsCollector::new(&m.sdk, &ScanConfig::default());
    let report = secrets_audit::scan_all(&collector, &ctx()).await;
    assert_eq!(report.findings.len(), SECRETS.len() * secrets_audit::rule_ids().len());
    assert!(report.summary.is_some(), "a complete listing asks for an archive sweep");

    for rule in secrets_audit::rule_ids() {
        let (status, reason) = status_of(&report.findings, &rule, GOOD);
        assert_eq!(status, Status::Pass, "{GOOD} {rule}: {reason}");
    }
    let expect = [
        (PLAIN, "secretsmanager.rotation-enabled", Status::Fail, "not enabled"),
        (PLAIN, "secretsmanager.encrypted-with-cmk", Status::Fail, "AWS-managed key"),
        (PLAIN, "secretsmanager.policy-not-public", Status::Pass, "no resource policy"),
        (PLAIN, "secretsmanager.rotated-recently", Status::Pass, "never rotated since its creation"),
        (PLAIN, "secretsmanager.secret-used", Status::Pass, "too recent to count as unused"),
        (
            PUBLIC,
            "secretsmanager.policy-not-public",
            Status::Fail,
            "statement Read allows secretsmanager:GetSecretValue to everyone",
        ),
        (PUBLIC, "secretsmanager.rotation-enabled", Status::Pass, "every 30 days"),
        (ROTATION_FAILED, "secretsmanager.rotated-recently", Status::Fail, "holds AWSPENDING without AWSCURRENT"),
        (ROTATION_FAILED, "secretsmanager.encrypted-with-cmk", Status::Pass, CMK_ARN),
    ];
    for (name, rule, want, needle) in expect {
        let (status, reason) = status_of(&report.findings, rule, name);
        assert_eq!(status, want, "{name} {rule}: {reason}");
        assert!(reason.contains(needle), "{name} {rule}: {reason}");
    }
}

#[tokio::test]
async fn a_change_event_rescans_one_secret_and_a_deleted_one_is_not_applicable() {
    let m = moto().await;
    let arns: BTreeMap<String, String> = seed_secrets(&m.sdk).await.into_iter().collect();
    let collector = SecretsCollector::new(&m.sdk, &ScanConfig::default());
    let ctx = ctx();
    let full = secrets_audit::scan_all(&collector, &ctx).await;
    let changed = |name: &str| ChangedResource {
        resource_name: Some(name.to_string()),
        arn: Some(arns[name].clone()),
        ..ChangedResource::fixture("AWS::SecretsManager::Secret", &arns[name])
    };

    // The public policy is fixed; the change event re-reads only that secret.
    let sm = aws_sdk_secretsmanager::Client::new(&m.sdk);
    sm.put_resource_policy().secret_id(PUBLIC).resource_policy(restricted_policy()).send().await.expect("fix");
    let report = secrets_audit::scan_changed(&collector, &changed(PUBLIC), &ctx).await;
    assert!(report.summary.is_none());
    assert_eq!(report.findings.len(), secrets_audit::rule_ids().len());
    assert!(report.findings.iter().all(|f| f.resource.id == PUBLIC));
    assert_eq!(status_of(&report.findings, "secretsmanager.policy-not-public", PUBLIC).0, Status::Pass);
    let before =
        full.findings.iter().find(|f| f.rule_id == "secretsmanager.policy-not-public" && f.resource.id == PUBLIC);
    let after = report.findings.iter().find(|f| f.rule_id == "secretsmanager.policy-not-public");
    assert_eq!(before.map(Finding::id), after.map(Finding::id), "the same finding is updated, not duplicated");

    // Scheduled for deletion, then gone for good: NOT_APPLICABLE under the same finding ids.
    sm.delete_secret().secret_id(PLAIN).send().await.expect("schedule deletion");
    let report = secrets_audit::scan_changed(&collector, &changed(PLAIN), &ctx).await;
    assert!(report.findings.iter().all(|f| f.status == Status::NotApplicable), "{:?}", report.findings);
    sm.delete_secret().secret_id(PLAIN).force_delete_without_recovery(true).send().await.ok();
    let report = secrets_audit::scan_changed(&collector, &changed(PLAIN), &ctx).await;
    assert!(report.findings.iter().all(|f| f.status == Status::NotApplicable));
    let ids = |fs: &[Finding], name: &str| -> Vec<String> {
        let mut v: Vec<String> = fs.iter().filter(|f| f.resource.id == name).map(Finding::id).collect();
        v.sort();
        v
    };
    assert_eq!(ids(&report.findings, PLAIN), ids(&full.findings, PLAIN));

    // A full scan no longer lists it (the publisher's sweep archives the rest).
    let again = secrets_audit::scan_all(&collector, &ctx).await;
    assert!(again.findings.iter().all(|f| f.resource.id != PLAIN));
}

#[tokio::test]
async fn the_secrets_audit_binary_queues_findings_for_a_scheduled_scan() {
    let m = moto().await;
    seed_secrets(&m.sdk).await;
    let p = create_pipeline(&m.sdk).await;
    let env = p.function_env(&m.endpoint);
    let mut audit = Emulator::start();
    audit.run_function("secrets-audit", &env);
    let resp = audit
        .invoke("secrets-audit", &root().join("events/scheduled.json"))
        .unwrap_or_else(|e| panic!("{e}\n{}", audit.function_log("secrets-audit")));
    assert_eq!(resp["mode"], "full", "{resp}");
    assert_eq!(resp["archive_sweep"], true);
    assert_eq!(resp["findings"], SECRETS.len() * 5, "{resp}");
    assert_eq!(resp["unknown"], 0, "{resp}");

    let queued = drain_findings_queue(&m.sdk, &p.findings_queue_url, "secretsmanager").await;
    let (findings, sweeps) = (queued.findings, queued.sweeps);
    assert_eq!(findings.len(), SECRETS.len() * 5);
    assert_eq!(sweeps.len(), 1);
    assert_eq!(sweeps[0].audit, "secretsmanager");
    assert_eq!(status_of(&findings, "secretsmanager.policy-not-public", PUBLIC).0, Status::Fail);
    assert_eq!(status_of(&findings, "secretsmanager.rotation-enabled", PLAIN).0, Status::Fail);
    assert_eq!(status_of(&findings, "secretsmanager.rotated-recently", ROTATION_FAILED).0, Status::Fail);
    let public = findings
        .iter()
        .find(|f| f.rule_id == "secretsmanager.policy-not-public" && f.resource.id == PUBLIC)
        .expect("public finding");
    assert_eq!(public.resource.resource_type, "AwsSecretsManagerSecret");
    assert!(public.resource.arn.as_deref().is_some_and(|a| a.contains(":secret:zt-secret-public-")));
}
