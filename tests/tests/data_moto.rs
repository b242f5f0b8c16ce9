//! The data collector and audit against the moto server: tables, keys, parameters and functions'
//! log groups seeded through the Rust SDK (`seed::data`), collected with the real collector and
//! judged by the real rules; a Config change event re-reads one table and one key; the last test
//! runs the `data-audit` binary on the Lambda Runtime API emulator and reads its findings off the
//! findings queue.
//!
//! moto facts: see `seed::data` (AWS-managed keys and `LoggingConfig` are covered by the
//! aws-smithy-mocks suite, `data_mocks.rs`).

use ztscan::audit::data as data_audit;
use ztscan::audit::data::collector::DataCollector;
use ztscan::events::ChangedResource;
use ztscan::resources::data::{LogGroupState, ParameterType, TableEncryption};
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::lambda::Emulator;
use ztscan_tests::seed::data::*;
use ztscan_tests::seed::{create_pipeline, drain_findings_queue};
use ztscan_tests::{moto, root, ACCOUNT};

fn ctx() -> ScanContext {
    ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), ScanConfig::default())
}

fn finding<'a>(findings: &'a [Finding], rule: &str, resource: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule_id == rule && f.resource.id == resource)
        .unwrap_or_else(|| panic!("no {rule} finding for {resource}"))
}

fn status(findings: &[Finding], rule: &str, resource: &str) -> (Status, String) {
    let f = finding(findings, rule, resource);
    (f.status, f.reason.clone())
}

#[tokio::test]
async fn the_collector_reads_the_seeded_tables_keys_parameters_and_log_groups() {
    let m = moto().await;
    let seed = seed_data(&m.sdk).await;
    let inv = DataCollector::new(&m.sdk, &ScanConfig::default()).collect_all(ACCOUNT).await;

    let tables = inv.tables.expect("the table listing succeeds");
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec![TABLE_GOOD, TABLE_PLAIN, TABLE_PUBLIC]);
    let good = &tables[0];
    assert_eq!(good.arn, format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{TABLE_GOOD}"));
    let d = good.description.as_ref().expect("described");
    assert!(d.deletion_protection && d.status == "ACTIVE", "{d:?}");
    let TableEncryption::Kms { key_arn, manager } = &d.encryption else { panic!("{d:?}") };
    assert!(key_arn.ends_with(&seed.keys[GOOD_KEY]), "{key_arn}");
    assert_eq!(manager.as_deref(), Ok("CUSTOMER"));
    assert_eq!(good.pitr_enabled, Ok(true));
    assert!(good.policy.as_ref().is_ok_and(|p| p.is_some()));
    let plain = &tables[1];
    assert_eq!(plain.description.as_ref().map(|d| d.encryption.clone()), Ok(TableEncryption::AwsOwned));
    assert_eq!((plain.pitr_enabled.clone(), plain.policy.clone()), (Ok(false), Ok(None)));

    let keys = inv.keys.expect("the key listing succeeds");
    let doomed = keys.iter().find(|k| k.id == seed.keys[DOOMED_KEY]).expect("the doomed key is listed");
    let d = doomed.description.as_ref().expect("described");
    assert_eq!(d.state, "PendingDeletion");
    assert!(d.deletion_date.is_some_and(|when| when > chrono::Utc::now()), "{d:?}");

    let parameters = inv.parameters.expect("the parameter listing succeeds");
    let p = |name: &str| parameters.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("{name} was not listed"));
    assert_eq!(p(PARAM_PASSWORD).detection, Ok(Some(ztscan::secrets::patterns::GENERIC)));
    assert_eq!(p(PARAM_STRIPE).detection, Ok(Some(ztscan::secrets::patterns::STRIPE)));
    for safe in [PARAM_PORT, PARAM_URL, PARAM_HOSTS] {
        assert_eq!(p(safe).detection, Ok(None), "{safe}");
    }
    assert_eq!(
        (p(PARAM_SECURE).parameter_type.clone(), p(PARAM_SECURE).detection.clone()),
        (ParameterType::SecureString, Ok(None))
    );
    assert!(p(PARAM_PASSWORD).arn.ends_with(":parameter/zt/prod/db-password"), "{}", p(PARAM_PASSWORD).arn);
    let debug = format!("{parameters:?}");
    for planted in &seed.planted_secrets {
        assert!(!debug.contains(planted.as_str()), "a planted value survived collection");
    }

    let logs = inv.function_logs.expect("the function listing succeeds");
    let g =
        |name: &str| logs.iter().find(|f| f.function_name == name).unwrap_or_else(|| panic!("{name}")).group.clone();
    assert_eq!(g(FN_RETAINED), Ok(LogGroupState::Retained(14)));
    assert_eq!(g(FN_FOREVER), Ok(LogGroupState::NeverExpires));
    assert_eq!(g(FN_MISSING), Ok(LogGroupState::Missing));
}

#[tokio::test]
async fn a_full_scan_finds_each_misconfiguration_and_passes_the_compliant_resources() {
    let m = moto().await;
    let seed = seed_data(&m.sdk).await;
    let report = data_audit::scan_all(&DataCollector::new(&m.sdk, &ScanConfig::default()), &ctx()).await;
    let f = &report.findings;
    assert!(report.summary.is_some(), "every listing succeeded");
    assert!(
        f.iter().all(|f| f.status != Status::Unknown),
        "{:?}",
        f.iter().filter(|f| f.status == Status::Unknown).collect::<Vec<_>>()
    );

    for rule in [
        "dynamodb.table-encrypted-with-cmk",
        "dynamodb.pitr-enabled",
        "dynamodb.deletion-protection-enabled",
        "dynamodb.table-not-public",
    ] {
        assert_eq!(status(f, rule, TABLE_GOOD).0, Status::Pass, "{rule}: {:?}", status(f, rule, TABLE_GOOD));
    }
    assert!(status(f, "dynamodb.table-encrypted-with-cmk", TABLE_PLAIN).1.contains("AWS-owned key"));
    assert_eq!(status(f, "dynamodb.pitr-enabled", TABLE_PLAIN).0, Status::Fail);
    assert_eq!(status(f, "dynamodb.deletion-protection-enabled", TABLE_PLAIN).0, Status::Fail);
    let (s, why) = status(f, "dynamodb.table-not-public", TABLE_PUBLIC);
    assert_eq!(s, Status::Fail, "{why}");
    assert!(why.contains("statement Read allows dynamodb:GetItem to everyone"), "{why}");

    assert_eq!(status(f, "kms.key-policy-not-public", &seed.keys[GOOD_KEY]).0, Status::Pass);
    let (s, why) = status(f, "kms.key-policy-not-public", &seed.keys[PUBLIC_KEY]);
    assert!(s == Status::Fail && why.contains("statement Anyone allows kms:Decrypt to everyone"), "{why}");
    // Accuracy trap: `*` confined by kms:CallerAccount to the own account is not public.
    let (s, why) = status(f, "kms.key-policy-not-public", &seed.keys[CALLER_ACCOUNT_KEY]);
    assert_eq!(s, Status::Pass, "{why}");
    let (s, why) = status(f, "kms.key-not-pending-deletion", &seed.keys[DOOMED_KEY]);
    assert!(s == Status::Fail && why.contains("scheduled for deletion on 20"), "{why}");
    assert_eq!(status(f, "kms.key-not-pending-deletion", &seed.keys[GOOD_KEY]).0, Status::Pass);

    let rule = "ssm.parameter-secrets-are-secure-strings";
    let (s, why) = status(f, rule, PARAM_PASSWORD);
    assert!(s == Status::Fail && why.contains(PARAM_PASSWORD), "{why}");
    assert!(status(f, rule, PARAM_STRIPE).1.contains("(stripe-live-key)"));
    // Accuracy trap: a number and a URL without credentials are not secrets.
    for safe in [PARAM_PORT, PARAM_URL, PARAM_HOSTS] {
        assert_eq!(status(f, rule, safe).0, Status::Pass, "{safe}: {:?}", status(f, rule, safe));
    }
    assert_eq!(status(f, rule, PARAM_SECURE).0, Status::NotApplicable);
    let rendered = serde_json::to_string(f).expect("findings serialise");
    for planted in &seed.planted_secrets {
        assert!(!rendered.contains(planted.as_str()), "a planted value reached a finding");
    }

    let rule = "logs.lambda-log-group-retention-set";
    assert_eq!(status(f, rule, FN_RETAINED).0, Status::Pass);
    let (s, why) = status(f, rule, FN_FOREVER);
    assert!(s == Status::Fail && why.contains("never expire") && why.contains(FN_FOREVER), "{why}");
    let (s, why) = status(f, rule, FN_MISSING);
    assert!(s == Status::Fail && why.contains("does not exist") && why.contains(FN_MISSING), "{why}");
}

#[tokio::test]
async fn a_change_event_re_reads_one_table_or_key_and_a_deleted_one_is_not_applicable() {
    let m = moto().await;
    let seed = seed_data(&m.sdk).await;
    let collector = DataCollector::new(&m.sdk, &ScanConfig::default());
    let ctx = ctx();
    let changed = |ty: &str, id: &str, deleted: bool| ChangedResource {
        deleted,
        account: Some(ACCOUNT.into()),
        ..ChangedResource::fixture(ty, id)
    };

    let report =
        data_audit::scan_changed(&collector, &changed(data_audit::TABLE_TYPE, TABLE_PUBLIC, false), &ctx).await;
    assert_eq!(report.findings.len(), 4);
    assert_eq!(status(&report.findings, "dynamodb.table-not-public", TABLE_PUBLIC).0, Status::Fail);
    assert_eq!(status(&report.findings, "dynamodb.table-encrypted-with-cmk", TABLE_PUBLIC).0, Status::Pass);

    let report =
        data_audit::scan_changed(&collector, &changed(data_audit::KEY_TYPE, &seed.keys[PUBLIC_KEY], false), &ctx).await;
    assert_eq!(status(&report.findings, "kms.key-policy-not-public", &seed.keys[PUBLIC_KEY]).0, Status::Fail);

    for (ty, id) in
        [(data_audit::TABLE_TYPE, "zt-table-gone"), (data_audit::KEY_TYPE, "00000000-0000-0000-0000-000000000000")]
    {
        let report = data_audit::scan_changed(&collector, &changed(ty, id, false), &ctx).await;
        assert!(!report.findings.is_empty());
        assert!(report.findings.iter().all(|f| f.status == Status::NotApplicable), "{ty}: {:?}", report.findings);
    }
}

#[tokio::test]
async fn the_data_audit_function_reports_to_the_findings_queue() {
    let m = moto().await;
    let seed = seed_data(&m.sdk).await;
    let p = create_pipeline(&m.sdk).await;
    let mut emulator = Emulator::start();
    emulator.run_function("data-audit", &p.function_env(&m.endpoint));
    let response = emulator
        .invoke("data-audit", &root().join("events/scheduled.json"))
        .unwrap_or_else(|e| panic!("{e}\n{}", emulator.function_log("data-audit")));
    assert_eq!(response["mode"], "full", "{response}");
    assert_eq!(response["archive_sweep"], true, "{response}");
    assert_eq!(response["unknown"], 0, "{response}");
    let queued = drain_findings_queue(&m.sdk, &p.findings_queue_url, "data").await;
    assert_eq!(queued.sweeps.len(), 1);
    let findings = queued.findings;
    let failed = |rule: &str, id: &str| {
        findings.iter().any(|f| f.rule_id == rule && f.resource.id == id && f.status == Status::Fail)
    };
    assert!(failed("kms.key-policy-not-public", &seed.keys[PUBLIC_KEY]));
    assert!(failed("ssm.parameter-secrets-are-secure-strings", PARAM_PASSWORD));
    assert!(failed("dynamodb.table-not-public", TABLE_PUBLIC));
    assert!(failed("logs.lambda-log-group-retention-set", FN_MISSING));
    for body in &queued.bodies {
        for planted in &seed.planted_secrets {
            assert!(!body.contains(planted.as_str()), "a planted value reached the findings queue");
        }
    }
}
