//! `account.guardduty-enabled`.
//!
//! **What it checks.** In the region judged, a GuardDuty detector (`ListDetectors`,
//! `GetDetector`) is `ENABLED` and its `LAMBDA_NETWORK_LOGS` feature (Lambda protection) is
//! `ENABLED`. No detector fails ("GuardDuty is not enabled" is a fact, not an error); a
//! suspended detector fails; an enabled detector without Lambda protection fails naming it
//! (the older `DataSources` view has no Lambda source, so only `Features` counts).
//!
//! **Why it matters.** GuardDuty is the account's threat detection: credential exfiltration,
//! crypto-mining, calls from known-bad addresses. Lambda protection watches the network
//! activity of every function, the only view of a compromised function talking to a command
//! and control server.
//!
//! **Example.** A region where GuardDuty was never turned on, or a detector created before
//! Lambda protection existed and never updated.
//!
//! **Remediation.** `aws guardduty create-detector --enable --features
//! Name=LAMBDA_NETWORK_LOGS,Status=ENABLED` (or `update-detector --detector-id <id> --features
//! Name=LAMBDA_NETWORK_LOGS,Status=ENABLED`), in every region, ideally from the organisation's
//! delegated administrator with auto-enable.
//!
//! **References.** FSBP GuardDuty.1, GuardDuty.6; seeds 002, 003.

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta, Severity, Trigger};
use crate::resources::account::RegionBaseline;
use crate::rules::Rule;

pub struct GuardDutyEnabled;

static META: RuleMeta = RuleMeta {
    id: "account.guardduty-enabled",
    title: "GuardDuty is enabled with Lambda protection",
    severity: Severity::High,
    resource_type: "AwsAccount",
    trigger: Trigger::Change,
    remediation: "Enable GuardDuty in every region with Lambda protection (aws guardduty create-detector --enable --features Name=LAMBDA_NETWORK_LOGS,Status=ENABLED), ideally org-wide from the delegated administrator.",
    mappings: &["GuardDuty.1", "GuardDuty.6"],
    seeds: &["002", "003"],
};

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
    use crate::collect::error::Collected;
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
