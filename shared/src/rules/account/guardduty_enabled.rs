//! The rule `account.guardduty-enabled`; its documentation is on [`GuardDutyEnabled`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::account::RegionBaseline;
use crate::rules::Rule;

rule! {
    pub struct GuardDutyEnabled;
    id: "account.guardduty-enabled",
    title: "GuardDuty is enabled with Lambda protection",
    severity: High,
    resource_type: "AwsAccount",
    trigger: Change,
    mappings: [Fsbp("GuardDuty.1"), Fsbp("GuardDuty.6")],
    seeds: ["002", "003"],
    what_it_checks: "In the region judged, a GuardDuty detector (`ListDetectors`,\n\
        `GetDetector`) is `ENABLED` and its `LAMBDA_NETWORK_LOGS` feature (Lambda protection) is\n\
        `ENABLED`. No detector fails (\"GuardDuty is not enabled\" is a fact, not an error); a\n\
        suspended detector fails; an enabled detector without Lambda protection fails naming it\n\
        (the older `DataSources` view has no Lambda source, so only `Features` counts).",
    why_it_matters: "GuardDuty is the account's threat detection: credential exfiltration,\n\
        crypto-mining, calls from known-bad addresses. Lambda protection watches the network\n\
        activity of every function, the only view of a compromised function talking to a command\n\
        and control server.",
    example: "A region where GuardDuty was never turned on, or a detector created before\n\
        Lambda protection existed and never updated.",
    remediation: "Enable GuardDuty in every region with Lambda protection (aws guardduty create-detector --enable --features Name=LAMBDA_NETWORK_LOGS,Status=ENABLED), ideally org-wide from the delegated administrator.\n\
        \n\
        `aws guardduty create-detector --enable --features\n\
        Name=LAMBDA_NETWORK_LOGS,Status=ENABLED` (or `update-detector --detector-id <id> --features\n\
        Name=LAMBDA_NETWORK_LOGS,Status=ENABLED`), in every region, ideally from the organisation's\n\
        delegated administrator with auto-enable.",
    references: "",
}

impl Rule for GuardDutyEnabled {
    type Resource = RegionBaseline;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, r: &RegionBaseline, _ctx: &ScanContext) -> Outcome {
        let detectors = known!(r.detectors);
        if let Some(d) = detectors.iter().find(|d| d.enabled() && d.lambda_protected()) {
            return Outcome::pass(format!("detector {} is enabled with Lambda protection", d.id));
        }
        if let Some(d) = detectors.iter().find(|d| d.enabled()) {
            return Outcome::fail(format!(
                "detector {} is enabled but Lambda protection (LAMBDA_NETWORK_LOGS) is {}",
                d.id,
                d.lambda_protection.as_deref().unwrap_or("not configured")
            ));
        }
        match detectors.first() {
            Some(d) => Outcome::fail(format!("detector {} is {}", d.id, d.status)),
            None => Outcome::fail(format!("GuardDuty is not enabled in {} (no detector)", r.region)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::Collected;
    use crate::model::Status;
    use crate::resources::account::{denied, Detector};

    fn detector(status: &str, lambda: Option<&str>) -> Detector {
        Detector { id: "d-1".into(), status: status.into(), lambda_protection: lambda.map(str::to_string) }
    }

    #[test]
    fn table() {
        let cases: Vec<(Collected<Vec<Detector>>, Status, &str)> = vec![
            (Ok(vec![detector("ENABLED", Some("ENABLED"))]), Status::Pass, "d-1 is enabled with Lambda protection"),
            (Ok(vec![detector("ENABLED", Some("DISABLED"))]), Status::Fail, "(LAMBDA_NETWORK_LOGS) is DISABLED"),
            (Ok(vec![detector("ENABLED", None)]), Status::Fail, "is not configured"),
            (Ok(vec![detector("DISABLED", Some("ENABLED"))]), Status::Fail, "d-1 is DISABLED"),
            (Ok(vec![]), Status::Fail, "not enabled in eu-west-1 (no detector)"),
            (Err(denied("guardduty:ListDetectors")), Status::Unknown, "guardduty:ListDetectors"),
        ];
        for (detectors, want, reason_has) in cases {
            let r = RegionBaseline { detectors: detectors.clone(), ..RegionBaseline::fixture("eu-west-1") };
            let o = GuardDutyEnabled.evaluate(&r, &ScanContext::fixture());
            assert_eq!(o.status, want, "{detectors:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{detectors:?}: {}", o.reason);
        }
    }
}
