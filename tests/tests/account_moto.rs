//! The account collector and audit against the moto server, in two regions: the baseline
//! seeded through the Rust SDK (`seed_account`: a multi-region trail, a single-region trail, a
//! detector without Lambda protection, a Config recorder and Inspector in us-east-1 only, KMS
//! keys with and without rotation in both regions), collected with the real collector and
//! evaluated with the real rules; one finding per (rule, region) with the region judged. moto
//! has no IAM Access Analyzer: that rule is UNKNOWN here (its real path is in
//! `account_mocks.rs`). The real account-audit binary runs once through the Runtime API.

use ztscan::audit::account as account_audit;
use ztscan::audit::account::collector::{AccountCollector, RegionClients};
use ztscan::events::ChangedResource;
use ztscan::resources::account::RegionInventory;
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::lambda::Emulator;
use ztscan_tests::seed::account::{seed_account, ACCOUNT_REGIONS, LOCAL_TRAIL, ORG_TRAIL};
use ztscan_tests::seed::{create_pipeline, drain_findings_queue};
use ztscan_tests::{moto, regional_findings as regional, root, ACCOUNT};

fn config() -> ScanConfig {
    ScanConfig { account_regions: ACCOUNT_REGIONS.iter().map(|r| r.to_string()).collect(), ..ScanConfig::default() }
}

fn ctx() -> ScanContext {
    ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), config())
}

fn region<'a>(regions: &'a [RegionInventory], name: &str) -> &'a RegionInventory {
    regions.iter().find(|r| r.baseline.region == name).unwrap_or_else(|| panic!("no {name}"))
}

fn key_status(findings: &[Finding], key: &str) -> (Status, String) {
    findings
        .iter()
        .find(|f| f.rule_id == "account.kms-rotation-enabled" && f.resource.id == key)
        .map(|f| (f.status, f.reason.clone()))
        .unwrap_or_else(|| panic!("no finding for key {key}"))
}

#[tokio::test]
async fn the_collector_reads_each_regions_baseline() {
    let m = moto().await;
    let seed = seed_account(&m.sdk).await;
    let inv = AccountCollector::new(&m.sdk, &config()).collect_all(ACCOUNT).await;
    let regions = inv.regions.as_ref().expect("regions");
    assert_eq!(regions.iter().map(|r| r.baseline.region.as_str()).collect::<Vec<_>>(), ["eu-west-1", "us-east-1"]);

    let east = region(regions, "us-east-1");
    let west = region(regions, "eu-west-1");
    let org = |r: &RegionInventory| {
        r.baseline.trails.as_ref().expect("trails").iter().find(|t| t.name == ORG_TRAIL).cloned().expect("org trail")
    };
    for r in [east, west] {
        let t = org(r);
        assert!(t.multi_region && t.log_file_validation, "{t:?}");
        assert_eq!(t.home_region, "us-east-1");
        assert_eq!(t.is_logging, Ok(Some(true)), "read by ARN in {}", r.baseline.region);
    }
    let local = west.baseline.trails.as_ref().expect("trails").iter().find(|t| t.name == LOCAL_TRAIL).expect("local");
    assert!(!local.multi_region && !local.log_file_validation);
    assert_eq!(local.is_logging, Ok(None), "a single-region trail's status is not read");
    assert!(east.baseline.trails.as_ref().expect("trails").iter().all(|t| t.name != LOCAL_TRAIL));

    let detectors = east.baseline.detectors.as_ref().expect("detectors");
    assert_eq!(detectors.len(), 1);
    assert_eq!(detectors[0].id, seed.detector);
    assert_eq!(detectors[0].lambda_protection.as_deref(), Some("DISABLED"));
    assert_eq!(west.baseline.detectors, Ok(vec![]));

    let recorders = east.baseline.recorders.as_ref().expect("recorders");
    assert!(recorders.len() == 1 && recorders[0].records_all() && recorders[0].recording, "{recorders:?}");
    assert_eq!(west.baseline.recorders, Ok(vec![]));

    assert!(east
        .baseline
        .security_hub
        .as_ref()
        .is_ok_and(|h| h.as_deref().is_some_and(|a| a.ends_with(":hub/default"))));
    // moto answers "not subscribed" with an XML body the SDK cannot read (AWS answers JSON
    // `InvalidAccessException`, a FAIL, tested in account_mocks.rs): an unreadable answer, never
    // a guess.
    let west_hub = west.baseline.security_hub.as_ref().expect_err("moto's XML error");
    assert_eq!(west_hub.kind, ztscan::collect::CollectErrorKind::Unreadable);
    let inspector = east.baseline.inspector.as_ref().expect("inspector").as_ref().expect("a status");
    assert_eq!(inspector.lambda.as_deref(), Some("ENABLED"));
    assert_eq!(west.baseline.inspector, Ok(None));
    assert!(east.baseline.analyzers.is_err(), "moto has no Access Analyzer");

    let mut east_keys: Vec<&str> = east.keys.as_ref().expect("keys").iter().map(|k| k.id.as_str()).collect();
    east_keys.sort();
    let mut want = vec![seed.rotating_key.as_str(), seed.plain_key.as_str(), seed.signing_key.as_str()];
    want.sort();
    assert_eq!(east_keys, want);
    let west_keys = west.keys.as_ref().expect("keys");
    assert_eq!(west_keys.len(), 1);
    assert_eq!(west_keys[0].id, seed.west_key);
    assert!(west_keys[0].arn.starts_with("arn:aws:kms:eu-west-1:123456789012:key/"), "{}", west_keys[0].arn);
}

#[tokio::test]
async fn without_a_region_list_every_enabled_region_is_scanned() {
    let m = moto().await;
    let regions = AccountCollector::new(&m.sdk, &ScanConfig::default()).regions().await.expect("DescribeRegions");
    assert!(regions.len() > 10, "{regions:?}");
    assert!(regions.iter().any(|r| r == "us-east-1") && regions.iter().any(|r| r == "eu-west-1"));
}

#[tokio::test]
async fn the_audit_judges_each_region_on_its_own() {
    let m = moto().await;
    let seed = seed_account(&m.sdk).await;
    let collector = AccountCollector::new(&m.sdk, &config());
    let ctx = ctx();
    let report = account_audit::scan_all(&collector, &ctx).await;
    assert!(report.summary.is_some(), "regions and keys listed: the archive sweep runs");
    let r = regional(&report.findings);
    assert_eq!(r.len(), 6 * 2, "one finding per regional rule and region");
    let get = |rule: &str, region: &str| r[&(format!("account.{rule}"), region.to_string())].clone();

    for region in ACCOUNT_REGIONS {
        let (status, reason) = get("cloudtrail-multi-region", region);
        assert_eq!(status, Status::Pass, "{region}: {reason}");
        assert!(reason.contains(ORG_TRAIL), "{reason}");
    }
    let (status, reason) = get("guardduty-enabled", "us-east-1");
    assert_eq!(status, Status::Fail);
    assert!(reason.contains("LAMBDA_NETWORK_LOGS) is DISABLED"), "{reason}");
    let (status, reason) = get("guardduty-enabled", "eu-west-1");
    assert_eq!(status, Status::Fail);
    assert!(reason.contains("no detector"), "{reason}");
    assert_eq!(get("config-recording", "us-east-1").0, Status::Pass);
    assert_eq!(get("config-recording", "eu-west-1").0, Status::Fail);
    assert_eq!(get("securityhub-enabled", "us-east-1").0, Status::Pass);
    let (status, reason) = get("securityhub-enabled", "eu-west-1");
    assert_eq!(status, Status::Unknown, "moto's unreadable not-subscribed answer: {reason}");
    assert!(reason.contains("securityhub:DescribeHub"), "{reason}");
    assert_eq!(get("inspector-lambda-enabled", "us-east-1").0, Status::Pass);
    assert_eq!(get("inspector-lambda-enabled", "eu-west-1").0, Status::Fail);
    for region in ACCOUNT_REGIONS {
        let (status, reason) = get("access-analyzer-enabled", region);
        assert_eq!(status, Status::Unknown, "moto lacks the API: {reason}");
        assert!(reason.contains("access-analyzer:ListAnalyzers"), "{reason}");
    }

    assert_eq!(key_status(&report.findings, &seed.rotating_key).0, Status::Pass);
    assert_eq!(key_status(&report.findings, &seed.plain_key).0, Status::Fail);
    let (status, reason) = key_status(&report.findings, &seed.signing_key);
    assert_eq!(status, Status::NotApplicable);
    assert!(reason.contains("ECC_NIST_P256"), "{reason}");
    let west = report.findings.iter().find(|f| f.resource.id == seed.west_key).expect("west key finding");
    assert_eq!((west.status, west.resource.region.as_str()), (Status::Fail, "eu-west-1"));

    // Distinct finding ids per region.
    let ids: std::collections::BTreeSet<String> = report.findings.iter().map(Finding::id).collect();
    assert_eq!(ids.len(), report.findings.len());
}

fn change(resource_type: &str, id: &str, region: &str, deleted: bool) -> ChangedResource {
    ChangedResource { region: region.into(), deleted, ..ChangedResource::fixture(resource_type, id) }
}

#[tokio::test]
async fn change_events_re_check_one_region_or_one_key() {
    let m = moto().await;
    let seed = seed_account(&m.sdk).await;
    let collector = AccountCollector::new(&m.sdk, &config());
    let ctx = ctx();
    let full = account_audit::scan_all(&collector, &ctx).await;
    let full_ids: Vec<String> = full.findings.iter().map(Finding::id).collect();

    // Stopping the multi-region trail fails CloudTrail in the region of the event only.
    RegionClients::for_region(&m.sdk, "us-east-1")
        .cloudtrail
        .stop_logging()
        .name(ORG_TRAIL)
        .send()
        .await
        .expect("stop");
    let west =
        account_audit::scan_changed(&collector, &change("AWS::CloudTrail::Trail", ORG_TRAIL, "eu-west-1", false), &ctx)
            .await;
    assert!(west.summary.is_none());
    assert_eq!(west.findings.len(), 6, "the six regional controls of eu-west-1");
    assert!(west.findings.iter().all(|f| f.resource.region == "eu-west-1" && full_ids.contains(&f.id())));
    let trail = west.findings.iter().find(|f| f.rule_id == "account.cloudtrail-multi-region").expect("trail finding");
    assert_eq!(trail.status, Status::Fail);
    assert!(trail.reason.contains("zt-trail-org (not logging)"), "{}", trail.reason);

    // A deleted trail re-reads the region too (it is not NOT_APPLICABLE).
    let gone = account_audit::scan_changed(
        &collector,
        &change("AWS::CloudTrail::Trail", LOCAL_TRAIL, "eu-west-1", true),
        &ctx,
    )
    .await;
    assert_eq!(gone.findings.len(), 6);
    assert!(gone.findings.iter().all(|f| f.status != Status::NotApplicable));

    // A key event re-reads that key only.
    let kms = RegionClients::for_region(&m.sdk, "us-east-1").kms;
    kms.enable_key_rotation().key_id(&seed.plain_key).send().await.expect("enable rotation");
    let key = account_audit::scan_changed(
        &collector,
        &change(account_audit::KMS_KEY_TYPE, &seed.plain_key, "us-east-1", false),
        &ctx,
    )
    .await;
    assert_eq!(key.findings.len(), 1);
    assert_eq!(key.findings[0].status, Status::Pass, "{}", key.findings[0].reason);
    assert!(full_ids.contains(&key.findings[0].id()), "the same finding id as the full scan");

    // A key that does not exist is NOT_APPLICABLE.
    let missing = account_audit::scan_changed(
        &collector,
        &change(account_audit::KMS_KEY_TYPE, "00000000-0000-0000-0000-000000000000", "us-east-1", false),
        &ctx,
    )
    .await;
    assert_eq!(missing.findings.len(), 1);
    assert_eq!(missing.findings[0].status, Status::NotApplicable, "{}", missing.findings[0].reason);
}

#[tokio::test]
async fn the_account_audit_binary_queues_per_region_findings() {
    let m = moto().await;
    seed_account(&m.sdk).await;
    let p = create_pipeline(&m.sdk).await;
    let env = p.function_env(&m.endpoint);
    let mut audit = Emulator::start();
    audit.run_function("account-audit", &env);
    let resp = audit
        .invoke("account-audit", &root().join("events/scheduled.json"))
        .unwrap_or_else(|e| panic!("{e}\n{}", audit.function_log("account-audit")));
    assert_eq!(resp["mode"], "full", "{resp}");
    assert_eq!(resp["archive_sweep"], true, "{resp}");
    // Access Analyzer (absent from moto) in both regions, Security Hub in eu-west-1 (moto's
    // unreadable not-subscribed answer).
    assert_eq!(resp["unknown"], 3, "{resp}");

    let queued = drain_findings_queue(&m.sdk, &p.findings_queue_url, "account").await;
    let findings = queued.findings;
    for summary in &queued.sweeps {
        assert_eq!(summary.audit, "account");
        assert_eq!(summary.rule_ids.len(), 7);
    }
    let sweeps = queued.sweeps.len();
    assert_eq!(sweeps, 1);
    assert_eq!(findings.len(), resp["findings"].as_u64().unwrap_or_default() as usize);
    let r = regional(&findings);
    assert_eq!(r.len(), 12, "two regions, six regional rules: {:?}", r.keys());
    assert_eq!(r[&("account.config-recording".into(), "eu-west-1".into())].0, Status::Fail);
    assert_eq!(r[&("account.config-recording".into(), "us-east-1".into())].0, Status::Pass);
}
