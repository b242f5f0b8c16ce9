//! The CloudFormation collector and audit against the moto server: stacks seeded through the
//! Rust SDK (`seed::cloudformation`): an open stack whose output and parameter default hold
//! fresh secrets, and a compliant one (termination protection, an SNS topic, a `NoEcho`
//! parameter holding a fresh secret that must not be reported); collected with the real
//! collector and judged by the real rules. A change set never executed (`REVIEW_IN_PROGRESS`)
//! is skipped; a deleted stack becomes NOT_APPLICABLE under the same finding ids. The last test
//! runs the `stack-audit` binary on the Lambda Runtime API emulator with trace logging and
//! checks that no planted secret value appears in its response, its queued findings or its
//! log, while the output's key is named.

use std::collections::BTreeMap;

use ztscan::audit::cloudformation as stack_audit;
use ztscan::audit::cloudformation::collector::StackCollector;
use ztscan::events::ChangedResource;
use ztscan::resources::cloudformation::Stack;
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::lambda::Emulator;
use ztscan_tests::seed::cloudformation::{seed_stacks, GOOD, OPEN, STACKS};
use ztscan_tests::seed::{create_pipeline, drain_findings_queue};
use ztscan_tests::{moto, root, ACCOUNT};

fn ctx() -> ScanContext {
    ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), ScanConfig::default())
}

fn status_of(findings: &[Finding], rule: &str, stack: &str) -> (Status, String) {
    let f = findings
        .iter()
        .find(|f| f.rule_id == rule && f.resource.id == stack)
        .unwrap_or_else(|| panic!("no {rule} finding for {stack}"));
    (f.status, f.reason.clone())
}

fn stack<'a>(all: &'a [Stack], name: &str) -> &'a Stack {
    all.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("{name} was not collected"))
}

fn assert_clean(what: &str, text: &str, planted: &[String]) {
    for secret in planted {
        assert!(!text.contains(secret.as_str()), "{what} contains a planted secret value");
        let tail = &secret[secret.len() - 16..];
        assert!(!text.contains(tail), "{what} contains part of a planted secret value");
    }
}

/// A stack created from a change set that was never executed (`REVIEW_IN_PROGRESS`).
async fn pending_change_set(sdk: &aws_config::SdkConfig) {
    let template = r#"{"AWSTemplateFormatVersion":"2010-09-09","Resources":{"Queue":{"Type":"AWS::SQS::Queue"}}}"#;
    aws_sdk_cloudformation::Client::new(sdk)
        .create_change_set()
        .stack_name("zt-stack-pending")
        .change_set_name("never-executed")
        .change_set_type(aws_sdk_cloudformation::types::ChangeSetType::Create)
        .template_body(template)
        .send()
        .await
        .expect("create change set");
}

#[tokio::test]
async fn the_collector_reads_the_seeded_stacks_and_keeps_no_value() {
    let m = moto().await;
    let seed = seed_stacks(&m.sdk).await;
    pending_change_set(&m.sdk).await;
    let ids: BTreeMap<String, String> = seed.ids.iter().cloned().collect();
    let inventory = StackCollector::new(&m.sdk, &ScanConfig::default()).collect_all().await;
    let all = inventory.stacks.expect("the listing succeeds");
    let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, STACKS, "sorted by name; the never-executed change set is skipped");

    let good = stack(&all, GOOD);
    assert_eq!(good.id, ids[GOOD]);
    assert_eq!(good.region, "us-east-1");
    assert!(good.termination_protection);
    assert_eq!(good.notification_arns, vec![seed.topic_arn.clone()]);
    assert_eq!(good.output_keys, ["QueueUrl", "Stage"]);
    assert_eq!(good.parameter_keys, ["AdminToken", "DbSecretArn", "Stage"]);
    assert!(
        good.detections.is_empty(),
        "the NoEcho value (returned in clear by moto) is not scanned: {:?}",
        good.detections
    );
    let template = good.template.as_ref().expect("GetTemplateSummary succeeds");
    assert_eq!(template.no_echo, ["AdminToken"]);
    assert_eq!(template.with_default, ["DbSecretArn", "Stage"]);
    assert!(template.detections.is_empty(), "a secret ARN is a reference, not a secret");

    let open = stack(&all, OPEN);
    assert!(!open.termination_protection);
    assert!(open.notification_arns.is_empty());
    let labels: Vec<&str> = open.detections.iter().map(|d| d.variable.as_str()).collect();
    assert_eq!(labels, ["Output ApiKey", "Parameter DbPassword"]);
    let template = open.template.as_ref().expect("GetTemplateSummary succeeds");
    let labels: Vec<&str> = template.detections.iter().map(|d| d.variable.as_str()).collect();
    assert_eq!(labels, ["Parameter default DbPassword"]);

    assert_clean("the collected stacks", &format!("{all:?}"), &seed.planted_secrets);
}

#[tokio::test]
async fn a_full_scan_finds_each_misconfiguration_and_passes_the_good_stack() {
    let m = moto().await;
    let seed = seed_stacks(&m.sdk).await;
    let collector = StackCollector::new(&m.sdk, &ScanConfig::default());
    let report = stack_audit::scan_all(&collector, &ctx()).await;
    assert_eq!(report.findings.len(), STACKS.len() * stack_audit::rule_ids().len());
    assert!(report.summary.is_some(), "a complete listing asks for an archive sweep");
    for rule in stack_audit::rule_ids() {
        let (status, reason) = status_of(&report.findings, &rule, GOOD);
        assert_eq!(status, Status::Pass, "{GOOD} {rule}: {reason}");
    }
    let expect = [
        (OPEN, "cloudformation.termination-protection-enabled", Status::Fail, "not enabled"),
        (OPEN, "cloudformation.notifies-sns", Status::Fail, "no SNS notification topic"),
        (
            OPEN,
            "cloudformation.no-secrets-in-outputs",
            Status::Fail,
            "Output ApiKey (stripe-live-key), Parameter DbPassword (",
        ),
        (OPEN, "cloudformation.no-secrets-in-outputs", Status::Fail, "Parameter default DbPassword ("),
        (GOOD, "cloudformation.notifies-sns", Status::Pass, "zt-stack-events"),
        (
            GOOD,
            "cloudformation.no-secrets-in-outputs",
            Status::Pass,
            "2 outputs, 2 parameter defaults and 2 parameter values",
        ),
    ];
    for (name, rule, want, needle) in expect {
        let (status, reason) = status_of(&report.findings, rule, name);
        assert_eq!(status, want, "{name} {rule}: {reason}");
        assert!(reason.contains(needle), "{name} {rule}: {reason}");
    }
    let open = report.findings.iter().find(|f| f.resource.id == OPEN).expect("an open-stack finding");
    assert_eq!(open.resource.resource_type, "AwsCloudFormationStack");
    assert!(open.resource.arn.as_deref().is_some_and(|a| a.contains(":stack/zt-stack-open/")));
    let text = serde_json::to_string(&report.findings).expect("findings serialise");
    assert_clean("the findings", &text, &seed.planted_secrets);
}

#[tokio::test]
async fn a_change_event_rescans_one_stack_and_a_deleted_one_is_not_applicable() {
    let m = moto().await;
    let seed = seed_stacks(&m.sdk).await;
    let ids: BTreeMap<String, String> = seed.ids.iter().cloned().collect();
    let collector = StackCollector::new(&m.sdk, &ScanConfig::default());
    let ctx = ctx();
    let full = stack_audit::scan_all(&collector, &ctx).await;
    let changed = |name: &str| ChangedResource {
        resource_name: Some(name.to_string()),
        arn: Some(ids[name].clone()),
        ..ChangedResource::fixture("AWS::CloudFormation::Stack", &ids[name])
    };
    let sorted_ids = |fs: &[Finding], name: &str| -> Vec<String> {
        let mut v: Vec<String> = fs.iter().filter(|f| f.resource.id == name).map(Finding::id).collect();
        v.sort();
        v
    };

    let report = stack_audit::scan_changed(&collector, &changed(OPEN), &ctx).await;
    assert!(report.summary.is_none());
    assert_eq!(report.findings.len(), stack_audit::rule_ids().len());
    assert!(report.findings.iter().all(|f| f.resource.id == OPEN));
    assert_eq!(status_of(&report.findings, "cloudformation.no-secrets-in-outputs", OPEN).0, Status::Fail);
    assert_eq!(sorted_ids(&report.findings, OPEN), sorted_ids(&full.findings, OPEN), "the same findings are updated");

    // Deleted: DescribeStacks by id answers DELETE_COMPLETE; by name, "does not exist".
    let cf = aws_sdk_cloudformation::Client::new(&m.sdk);
    cf.delete_stack().stack_name(OPEN).send().await.expect("delete stack");
    for event in [changed(OPEN), ChangedResource { resource_id: OPEN.into(), arn: None, ..changed(OPEN) }] {
        let report = stack_audit::scan_changed(&collector, &event, &ctx).await;
        assert!(report.findings.iter().all(|f| f.status == Status::NotApplicable), "{:?}", report.findings);
    }
    let report = stack_audit::scan_changed(&collector, &changed(OPEN), &ctx).await;
    assert_eq!(sorted_ids(&report.findings, OPEN), sorted_ids(&full.findings, OPEN), "archived under the same ids");

    // A full scan no longer lists it (the publisher's sweep archives the rest).
    let again = stack_audit::scan_all(&collector, &ctx).await;
    assert!(again.findings.iter().all(|f| f.resource.id != OPEN));
    assert!(again.findings.iter().any(|f| f.resource.id == GOOD));
}

#[tokio::test]
async fn the_stack_audit_binary_queues_findings_and_leaks_no_secret() {
    let m = moto().await;
    let seed = seed_stacks(&m.sdk).await;
    let p = create_pipeline(&m.sdk).await;
    let mut env = p.function_env(&m.endpoint);
    env.push(("RUST_LOG", "trace"));
    let mut audit = Emulator::start();
    audit.run_function("stack-audit", &env);
    let resp = audit
        .invoke("stack-audit", &root().join("events/scheduled.json"))
        .unwrap_or_else(|e| panic!("{e}\n{}", audit.function_log("stack-audit")));
    assert_eq!(resp["mode"], "full", "{resp}");
    assert_eq!(resp["archive_sweep"], true);
    assert_eq!(resp["findings"], STACKS.len() * 3, "{resp}");
    assert_eq!(resp["unknown"], 0, "{resp}");
    assert_clean("the stack-audit response", &resp.to_string(), &seed.planted_secrets);

    let queued = drain_findings_queue(&m.sdk, &p.findings_queue_url, "cloudformation").await;
    for body in &queued.bodies {
        assert_clean("a findings queue message", body, &seed.planted_secrets);
    }
    let (findings, sweeps) = (queued.findings, queued.sweeps);
    assert_eq!(findings.len(), STACKS.len() * 3);
    assert_eq!(sweeps.len(), 1);
    assert_eq!(sweeps[0].audit, "cloudformation");
    let (status, reason) = status_of(&findings, "cloudformation.no-secrets-in-outputs", OPEN);
    assert_eq!(status, Status::Fail);
    assert!(reason.contains("Output ApiKey"), "the output key is named: {reason}");
    assert_eq!(status_of(&findings, "cloudformation.termination-protection-enabled", OPEN).0, Status::Fail);
    assert_eq!(status_of(&findings, "cloudformation.termination-protection-enabled", GOOD).0, Status::Pass);

    // A Config change event for the open stack, as the sample event shapes it.
    let mut event: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("events/config-change-cloudformation-stack.json")).expect("sample event"),
    )
    .expect("sample event is JSON");
    let open_id = seed.ids.iter().find(|(n, _)| n == OPEN).map(|(_, id)| id.clone()).expect("open stack id");
    event["detail"]["configurationItem"]["resourceId"] = serde_json::json!(open_id);
    event["detail"]["configurationItem"]["ARN"] = serde_json::json!(open_id);
    let event_file = ztscan_tests::lambda::scratch_dir().join("config-change-stack-open.json");
    std::fs::write(&event_file, event.to_string()).expect("write event");
    let one = audit.invoke("stack-audit", &event_file).expect("stack-audit handles the change event");
    std::fs::remove_file(&event_file).ok();
    assert_eq!(one["mode"], "stack", "{one}");
    assert_eq!(one["findings"], 3, "{one}");
    assert_clean("the stack-audit change response", &one.to_string(), &seed.planted_secrets);

    let log = audit.function_log("stack-audit");
    assert!(log.len() > 1_000, "trace logging was on");
    assert_clean("the stack-audit log", &log, &seed.planted_secrets);
}
