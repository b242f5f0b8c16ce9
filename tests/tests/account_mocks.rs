//! The account collector's real code path on answers moto cannot give, served by
//! `aws-smithy-mocks` with one set of clients per region: IAM Access Analyzer (absent from
//! moto; two pages), Inspector (an enabled account, a failed account entry), a region whose
//! every call is denied by an SCP (UNKNOWN for that region only, the other region still
//! judged), Security Hub, GuardDuty and Config "not enabled" answers (FAIL, not UNKNOWN), KMS
//! key pagination (AWS-managed keys dropped, an unreadable key UNKNOWN), and the region
//! listing (`DescribeRegions`, and its failure).

use std::sync::Arc;

use aws_sdk_accessanalyzer::operation::list_analyzers::{ListAnalyzersError, ListAnalyzersOutput};
use aws_sdk_accessanalyzer::types::{AnalyzerStatus, AnalyzerSummary, Type};
use aws_sdk_cloudtrail::operation::describe_trails::{DescribeTrailsError, DescribeTrailsOutput};
use aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput;
use aws_sdk_cloudtrail::types::Trail;
use aws_sdk_config::operation::describe_configuration_recorder_status::{
    DescribeConfigurationRecorderStatusError, DescribeConfigurationRecorderStatusOutput,
};
use aws_sdk_config::operation::describe_configuration_recorders::{
    DescribeConfigurationRecordersError, DescribeConfigurationRecordersOutput,
};
use aws_sdk_ec2::operation::describe_regions::{DescribeRegionsError, DescribeRegionsOutput};
use aws_sdk_guardduty::operation::get_detector::GetDetectorOutput;
use aws_sdk_guardduty::operation::list_detectors::{ListDetectorsError, ListDetectorsOutput};
use aws_sdk_guardduty::types::{
    DetectorFeatureConfigurationResult, DetectorFeatureResult, DetectorStatus, FeatureStatus,
};
use aws_sdk_inspector2::operation::batch_get_account_status::{
    BatchGetAccountStatusError, BatchGetAccountStatusOutput,
};
use aws_sdk_inspector2::types::{
    AccountState, ErrorCode, FailedAccount, ResourceState, State, Status as InspectorState,
};
use aws_sdk_kms::operation::describe_key::{DescribeKeyError, DescribeKeyOutput};
use aws_sdk_kms::operation::get_key_rotation_status::GetKeyRotationStatusOutput;
use aws_sdk_kms::operation::list_keys::{ListKeysError, ListKeysOutput};
use aws_sdk_kms::types::{KeyListEntry, KeyManagerType, KeyMetadata, KeySpec, KeyState, OriginType};
use aws_sdk_securityhub::operation::describe_hub::{DescribeHubError, DescribeHubOutput};
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_types::error::ErrorMetadata;
use ztscan::audit::account as account_audit;
use ztscan::audit::account::collector::{AccountCollector, RegionClients};
use ztscan::collect::CollectErrorKind;
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::{
    mock_accessanalyzer, mock_cloudtrail, mock_config, mock_ec2, mock_guardduty, mock_inspector2, mock_kms,
    mock_securityhub, regional_findings as regional, ACCOUNT,
};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

fn meta(code: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code(code).message(format!("{code} from the mock")).build()
}

/// Rules for every service of one region, by service.
#[derive(Default)]
struct RegionRules {
    cloudtrail: Vec<Rule>,
    guardduty: Vec<Rule>,
    config: Vec<Rule>,
    securityhub: Vec<Rule>,
    accessanalyzer: Vec<Rule>,
    inspector2: Vec<Rule>,
    kms: Vec<Rule>,
}

fn refs(rules: &[Rule]) -> Vec<&Rule> {
    rules.iter().collect()
}

impl RegionRules {
    fn clients(&self) -> RegionClients {
        RegionClients {
            cloudtrail: mock_cloudtrail(&refs(&self.cloudtrail)),
            guardduty: mock_guardduty(&refs(&self.guardduty)),
            config: mock_config(&refs(&self.config)),
            securityhub: mock_securityhub(&refs(&self.securityhub)),
            accessanalyzer: mock_accessanalyzer(&refs(&self.accessanalyzer)),
            inspector2: mock_inspector2(&refs(&self.inspector2)),
            kms: mock_kms(&refs(&self.kms)),
        }
    }
}

fn analyzer(name: &str, kind: Type, status: AnalyzerStatus) -> AnalyzerSummary {
    AnalyzerSummary::builder()
        .arn(format!("arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/{name}"))
        .name(name)
        .r#type(kind)
        .created_at(aws_smithy_types::DateTime::from_secs(0))
        .status(status)
        .build()
        .expect("analyzer summary")
}

fn state(status: InspectorState) -> State {
    State::builder().status(status).error_code(ErrorCode::InternalError).error_message("").build().expect("state")
}

fn key_metadata(id: &str, manager: KeyManagerType, spec: KeySpec) -> KeyMetadata {
    KeyMetadata::builder()
        .key_id(id)
        .arn(format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{id}"))
        .key_manager(manager)
        .key_spec(spec)
        .origin(OriginType::AwsKms)
        .key_state(KeyState::Enabled)
        .enabled(true)
        .build()
        .expect("key metadata")
}

/// us-east-1: everything enabled, Access Analyzer's active analyzer on the second page behind
/// an unused-access one, Inspector scanning Lambda, and three KMS keys over two pages: k-on
/// (rotating), k-aws (AWS-managed: dropped) and k-denied (DescribeKey denied: UNKNOWN).
fn enabled_region() -> RegionRules {
    RegionRules {
        cloudtrail: vec![
            mock!(aws_sdk_cloudtrail::Client::describe_trails)
                .match_requests(|r| r.include_shadow_trails() == Some(true))
                .then_output(|| {
                    DescribeTrailsOutput::builder()
                        .trail_list(
                            Trail::builder()
                                .name("org")
                                .trail_arn(format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org"))
                                .home_region("us-east-1")
                                .is_multi_region_trail(true)
                                .log_file_validation_enabled(true)
                                .build(),
                        )
                        .build()
                }),
            mock!(aws_sdk_cloudtrail::Client::get_trail_status)
                .match_requests(|r| r.name().is_some_and(|n| n.ends_with(":trail/org")))
                .then_output(|| GetTrailStatusOutput::builder().is_logging(true).build()),
        ],
        guardduty: vec![
            mock!(aws_sdk_guardduty::Client::list_detectors)
                .then_output(|| ListDetectorsOutput::builder().detector_ids("d-1").build()),
            mock!(aws_sdk_guardduty::Client::get_detector)
                .match_requests(|r| r.detector_id() == Some("d-1"))
                .then_output(|| {
                    GetDetectorOutput::builder()
                        .status(DetectorStatus::Enabled)
                        .features(
                            DetectorFeatureConfigurationResult::builder()
                                .name(DetectorFeatureResult::LambdaNetworkLogs)
                                .status(FeatureStatus::Enabled)
                                .build(),
                        )
                        .build()
                }),
        ],
        config: vec![
            mock!(aws_sdk_config::Client::describe_configuration_recorders).then_output(|| {
                DescribeConfigurationRecordersOutput::builder()
                    .configuration_recorders(
                        aws_sdk_config::types::ConfigurationRecorder::builder()
                            .name("default")
                            .recording_group(
                                aws_sdk_config::types::RecordingGroup::builder().all_supported(true).build(),
                            )
                            .build(),
                    )
                    .build()
            }),
            mock!(aws_sdk_config::Client::describe_configuration_recorder_status).then_output(|| {
                DescribeConfigurationRecorderStatusOutput::builder()
                    .configuration_recorders_status(
                        aws_sdk_config::types::ConfigurationRecorderStatus::builder()
                            .name("default")
                            .recording(true)
                            .build(),
                    )
                    .build()
            }),
        ],
        securityhub: vec![mock!(aws_sdk_securityhub::Client::describe_hub).then_output(|| {
            DescribeHubOutput::builder().hub_arn(format!("arn:aws:securityhub:us-east-1:{ACCOUNT}:hub/default")).build()
        })],
        accessanalyzer: vec![
            mock!(aws_sdk_accessanalyzer::Client::list_analyzers)
                .match_requests(|r| r.next_token().is_none())
                .then_output(|| {
                    ListAnalyzersOutput::builder()
                        .analyzers(analyzer("unused", Type::AccountUnusedAccess, AnalyzerStatus::Active))
                        .next_token("a2")
                        .build()
                        .expect("output")
                }),
            mock!(aws_sdk_accessanalyzer::Client::list_analyzers)
                .match_requests(|r| r.next_token() == Some("a2"))
                .then_output(|| {
                    ListAnalyzersOutput::builder()
                        .analyzers(analyzer("external", Type::Account, AnalyzerStatus::Active))
                        .build()
                        .expect("output")
                }),
        ],
        inspector2: vec![mock!(aws_sdk_inspector2::Client::batch_get_account_status)
            .match_requests(|r| r.account_ids() == [ACCOUNT.to_string()])
            .then_output(|| {
                BatchGetAccountStatusOutput::builder()
                    .accounts(
                        AccountState::builder()
                            .account_id(ACCOUNT)
                            .state(state(InspectorState::Enabled))
                            .resource_state(
                                ResourceState::builder()
                                    .lambda(state(InspectorState::Enabled))
                                    .lambda_code(state(InspectorState::Disabled))
                                    .build(),
                            )
                            .build()
                            .expect("account state"),
                    )
                    .build()
                    .expect("output")
            })],
        kms: vec![
            mock!(aws_sdk_kms::Client::list_keys).match_requests(|r| r.marker().is_none()).then_output(|| {
                ListKeysOutput::builder()
                    .keys(KeyListEntry::builder().key_id("k-on").build())
                    .keys(KeyListEntry::builder().key_id("k-aws").build())
                    .truncated(true)
                    .next_marker("m2")
                    .build()
            }),
            mock!(aws_sdk_kms::Client::list_keys).match_requests(|r| r.marker() == Some("m2")).then_output(|| {
                ListKeysOutput::builder()
                    .keys(
                        KeyListEntry::builder()
                            .key_id("k-denied")
                            .key_arn(format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/k-denied"))
                            .build(),
                    )
                    .truncated(false)
                    .build()
            }),
            mock!(aws_sdk_kms::Client::describe_key).match_requests(|r| r.key_id() == Some("k-on")).then_output(|| {
                DescribeKeyOutput::builder()
                    .key_metadata(key_metadata("k-on", KeyManagerType::Customer, KeySpec::SymmetricDefault))
                    .build()
            }),
            mock!(aws_sdk_kms::Client::describe_key).match_requests(|r| r.key_id() == Some("k-aws")).then_output(
                || {
                    DescribeKeyOutput::builder()
                        .key_metadata(key_metadata("k-aws", KeyManagerType::Aws, KeySpec::SymmetricDefault))
                        .build()
                },
            ),
            mock!(aws_sdk_kms::Client::describe_key)
                .match_requests(|r| r.key_id() == Some("k-denied"))
                .then_error(|| DescribeKeyError::generic(meta("AccessDeniedException"))),
            mock!(aws_sdk_kms::Client::get_key_rotation_status)
                .match_requests(|r| r.key_id() == Some("k-on"))
                .then_output(|| GetKeyRotationStatusOutput::builder().key_rotation_enabled(true).build()),
        ],
    }
}

/// eu-west-1 as an SCP that denies every call in the region makes it.
fn denied_region() -> RegionRules {
    let denied = "AccessDeniedException";
    RegionRules {
        cloudtrail: vec![mock!(aws_sdk_cloudtrail::Client::describe_trails)
            .then_error(move || DescribeTrailsError::generic(meta(denied)))],
        guardduty: vec![mock!(aws_sdk_guardduty::Client::list_detectors)
            .then_error(move || ListDetectorsError::generic(meta(denied)))],
        config: vec![
            mock!(aws_sdk_config::Client::describe_configuration_recorders)
                .then_error(move || DescribeConfigurationRecordersError::generic(meta(denied))),
            mock!(aws_sdk_config::Client::describe_configuration_recorder_status)
                .then_error(move || DescribeConfigurationRecorderStatusError::generic(meta(denied))),
        ],
        securityhub: vec![mock!(aws_sdk_securityhub::Client::describe_hub)
            .then_error(move || DescribeHubError::generic(meta(denied)))],
        accessanalyzer: vec![mock!(aws_sdk_accessanalyzer::Client::list_analyzers)
            .then_error(move || ListAnalyzersError::generic(meta(denied)))],
        inspector2: vec![mock!(aws_sdk_inspector2::Client::batch_get_account_status)
            .then_error(move || BatchGetAccountStatusError::generic(meta(denied)))],
        kms: vec![mock!(aws_sdk_kms::Client::list_keys).then_error(move || ListKeysError::generic(meta(denied)))],
    }
}

/// eu-west-1 where nothing is enabled, as each service says so: Security Hub
/// `InvalidAccessException`, no detector, no recorder, no analyzer, Inspector's failed account
/// entry for an account it has never seen turned into "no status", no keys.
fn nothing_enabled_region() -> RegionRules {
    RegionRules {
        cloudtrail: vec![
            mock!(aws_sdk_cloudtrail::Client::describe_trails).then_output(|| DescribeTrailsOutput::builder().build())
        ],
        guardduty: vec![mock!(aws_sdk_guardduty::Client::list_detectors)
            .then_output(|| ListDetectorsOutput::builder().set_detector_ids(Some(vec![])).build())],
        config: vec![
            mock!(aws_sdk_config::Client::describe_configuration_recorders)
                .then_output(|| DescribeConfigurationRecordersOutput::builder().build()),
            mock!(aws_sdk_config::Client::describe_configuration_recorder_status)
                .then_output(|| DescribeConfigurationRecorderStatusOutput::builder().build()),
        ],
        securityhub: vec![mock!(aws_sdk_securityhub::Client::describe_hub)
            .then_error(|| DescribeHubError::generic(meta("InvalidAccessException")))],
        accessanalyzer: vec![mock!(aws_sdk_accessanalyzer::Client::list_analyzers)
            .then_output(|| ListAnalyzersOutput::builder().set_analyzers(Some(vec![])).build().expect("output"))],
        inspector2: vec![mock!(aws_sdk_inspector2::Client::batch_get_account_status).then_output(|| {
            BatchGetAccountStatusOutput::builder()
                .accounts(
                    AccountState::builder()
                        .account_id(ACCOUNT)
                        .state(state(InspectorState::Disabled))
                        .resource_state(ResourceState::builder().lambda(state(InspectorState::Disabled)).build())
                        .build()
                        .expect("account state"),
                )
                .build()
                .expect("output")
        })],
        kms: vec![mock!(aws_sdk_kms::Client::list_keys).then_output(|| ListKeysOutput::builder().build())],
    }
}

fn collector(east: RegionRules, west: RegionRules, page_size: Option<i32>) -> AccountCollector {
    let (east, west) = (east.clients(), west.clients());
    let config = ScanConfig {
        account_regions: vec![EAST.into(), WEST.into()],
        page_size,
        concurrency: 4,
        ..ScanConfig::default()
    };
    AccountCollector::from_clients(
        mock_ec2(&[]),
        Arc::new(move |region: &str| if region == EAST { east.clone() } else { west.clone() }),
        &config,
    )
}

fn ctx() -> ScanContext {
    ScanContext::new(ACCOUNT, EAST, chrono::Utc::now(), ScanConfig::default())
}

#[tokio::test]
async fn a_region_denied_by_an_scp_is_unknown_there_only() {
    let report = account_audit::scan_all(&collector(enabled_region(), denied_region(), Some(2)), &ctx()).await;
    let r = regional(&report.findings);
    for rule in account_audit::rule_ids().iter().filter(|id| *id != "account.kms-rotation-enabled") {
        let (status, reason) = &r[&(rule.clone(), EAST.to_string())];
        assert_eq!(*status, Status::Pass, "{rule} in {EAST}: {reason}");
        let (status, reason) = &r[&(rule.clone(), WEST.to_string())];
        assert_eq!(*status, Status::Unknown, "{rule} in {WEST}: {reason}");
        assert!(reason.contains("access denied"), "{rule}: {reason}");
    }
    let (status, reason) = &r[&("account.kms-rotation-enabled".to_string(), WEST.to_string())];
    assert_eq!(*status, Status::Unknown);
    assert!(reason.contains("kms:ListKeys") && reason.contains(WEST), "{reason}");
    assert!(report.summary.is_none(), "a region whose keys could not be listed stops the archive sweep");
    let ids: std::collections::BTreeSet<String> = report.findings.iter().map(Finding::id).collect();
    assert_eq!(ids.len(), report.findings.len(), "one finding id per rule and region");
}

#[tokio::test]
async fn access_analyzer_and_inspector_are_read_over_their_real_paths() {
    let c = collector(enabled_region(), nothing_enabled_region(), None);
    let east = c.baseline(EAST, ACCOUNT).await;
    let analyzers = east.analyzers.as_ref().expect("analyzers");
    assert_eq!(analyzers.len(), 2, "both pages");
    assert_eq!((analyzers[1].name.as_str(), analyzers[1].kind.as_str()), ("external", "ACCOUNT"));
    let inspector = east.inspector.as_ref().expect("inspector").as_ref().expect("a status");
    assert_eq!(
        (inspector.state.as_str(), inspector.lambda.as_deref(), inspector.lambda_code.as_deref()),
        ("ENABLED", Some("ENABLED"), Some("DISABLED"))
    );

    // Inspector's failed entry for the account is an error with its code, not a FAIL.
    let failed = RegionRules {
        inspector2: vec![mock!(aws_sdk_inspector2::Client::batch_get_account_status).then_output(|| {
            BatchGetAccountStatusOutput::builder()
                .set_accounts(Some(vec![]))
                .failed_accounts(
                    FailedAccount::builder()
                        .account_id(ACCOUNT)
                        .error_code(ErrorCode::AccessDenied)
                        .error_message("not authorized")
                        .build()
                        .expect("failed account"),
                )
                .build()
                .expect("output")
        })],
        ..nothing_enabled_region()
    };
    let c = collector(failed, nothing_enabled_region(), None);
    let e = c.baseline(EAST, ACCOUNT).await.inspector.expect_err("a failed account entry");
    assert_eq!(e.kind, CollectErrorKind::AccessDenied);
    assert!(e.to_string().contains("inspector2:BatchGetAccountStatus") && e.to_string().contains("ACCESS_DENIED"));
}

#[tokio::test]
async fn not_enabled_answers_fail_and_are_never_unknown() {
    let report = account_audit::scan_all(&collector(enabled_region(), nothing_enabled_region(), None), &ctx()).await;
    let r = regional(&report.findings);
    let want = [
        ("account.cloudtrail-multi-region", "no CloudTrail trail covers eu-west-1"),
        ("account.guardduty-enabled", "no detector"),
        ("account.config-recording", "no configuration recorder"),
        ("account.securityhub-enabled", "not subscribed to Security Hub in eu-west-1"),
        ("account.access-analyzer-enabled", "no analyzer in eu-west-1"),
        ("account.inspector-lambda-enabled", "Lambda scanning is DISABLED"),
    ];
    for (rule, reason_has) in want {
        let (status, reason) = &r[&(rule.to_string(), WEST.to_string())];
        assert_eq!(*status, Status::Fail, "{rule}: {reason}");
        assert!(reason.contains(reason_has), "{rule}: {reason}");
    }
    assert!(report.summary.is_some(), "every listing succeeded");
}

#[tokio::test]
async fn kms_keys_are_paginated_aws_keys_dropped_and_unreadable_keys_unknown() {
    let c = collector(enabled_region(), nothing_enabled_region(), Some(2));
    let keys = c.keys(EAST, ACCOUNT).await.expect("keys listed");
    let ids: Vec<&str> = keys.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(ids, ["k-on", "k-denied"], "both pages, without the AWS-managed key");
    assert_eq!(keys[0].rotation, Ok(Some(true)));
    let denied = keys[1].rotation.as_ref().expect_err("DescribeKey denied");
    assert_eq!(denied.kind, CollectErrorKind::AccessDenied);
    assert_eq!(keys[1].arn, format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/k-denied"), "named by its listed ARN");

    let report = account_audit::scan_all(&c, &ctx()).await;
    let key = |id: &str| report.findings.iter().find(|f| f.resource.id == id).map(|f| (f.status, f.reason.clone()));
    assert_eq!(key("k-on").map(|k| k.0), Some(Status::Pass));
    let (status, reason) = key("k-denied").expect("a finding for the unreadable key");
    assert_eq!(status, Status::Unknown);
    assert!(reason.contains("kms:DescribeKey"), "{reason}");
    assert_eq!(key("k-aws"), None, "AWS-managed keys are not reported");
}

#[tokio::test]
async fn regions_come_from_describe_regions_unless_configured() {
    let regions =
        mock!(aws_sdk_ec2::Client::describe_regions).match_requests(|r| r.all_regions().is_none()).then_output(|| {
            DescribeRegionsOutput::builder()
                .regions(aws_sdk_ec2::types::Region::builder().region_name("us-east-1").build())
                .regions(aws_sdk_ec2::types::Region::builder().region_name("ap-south-2").build())
                .build()
        });
    let none = Arc::new(|_: &str| nothing_enabled_region().clients());
    let c = AccountCollector::from_clients(mock_ec2(&[&regions]), none.clone(), &ScanConfig::default());
    assert_eq!(c.regions().await.expect("listed"), ["ap-south-2", "us-east-1"]);

    let denied = mock!(aws_sdk_ec2::Client::describe_regions)
        .then_error(|| DescribeRegionsError::generic(meta("UnauthorizedOperation")));
    let c = AccountCollector::from_clients(mock_ec2(&[&denied]), none, &ScanConfig::default());
    let report = account_audit::scan_all(&c, &ctx()).await;
    assert!(report.summary.is_none());
    assert_eq!(report.findings.len(), 7);
    assert!(report.findings.iter().all(|f| f.status == Status::Unknown && f.reason.contains("ec2:DescribeRegions")));
}
