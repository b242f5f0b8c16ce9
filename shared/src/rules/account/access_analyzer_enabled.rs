//! The rule `account.access-analyzer-enabled`; its documentation is on [`AccessAnalyzerEnabled`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::account::RegionBaseline;
use crate::rules::Rule;

rule! {
    pub struct AccessAnalyzerEnabled;
    id: "account.access-analyzer-enabled",
    title: "An IAM Access Analyzer exists",
    severity: Medium,
    resource_type: "AwsAccount",
    trigger: Change,
    mappings: [Prowler("accessanalyzer_enabled")],
    seeds: ["003", "004"],
    what_it_checks: "In the region judged, IAM Access Analyzer has an `ACTIVE` analyzer of\n\
        external access, with the account or the organisation as its zone of trust (type\n\
        `ACCOUNT` or `ORGANIZATION`, from `ListAnalyzers`). Unused-access analyzers do not count:\n\
        they do not report resources shared outside the zone of trust. No analyzer fails; analyzers\n\
        that are not active, or only unused-access ones, fail naming them.",
    why_it_matters: "Access Analyzer is AWS's own proof engine for \"who outside my account\n\
        can reach this bucket, key, queue, role or function\": it catches the public or\n\
        cross-account grant that slips past review, in every region where the resource lives.",
    example: "A region where no analyzer was ever created.",
    remediation: "Create an external-access analyzer in every region (aws accessanalyzer create-analyzer --analyzer-name account --type ACCOUNT, or ORGANIZATION from the delegated administrator).\n\
        \n\
        `aws accessanalyzer create-analyzer --analyzer-name account --type\n\
        ACCOUNT` in every region (or `--type ORGANIZATION` from the delegated administrator).",
    references: "",
}

impl Rule for AccessAnalyzerEnabled {
    type Resource = RegionBaseline;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, r: &RegionBaseline, _ctx: &ScanContext) -> Outcome {
        let analyzers = known!(r.analyzers);
        if let Some(a) = analyzers.iter().find(|a| a.active_external()) {
            return Outcome::pass(format!("analyzer {} ({}) is active", a.name, a.kind));
        }
        if analyzers.is_empty() {
            return Outcome::fail(format!("IAM Access Analyzer has no analyzer in {}", r.region));
        }
        let named: Vec<String> = analyzers.iter().map(|a| format!("{} ({}, {})", a.name, a.kind, a.status)).collect();
        Outcome::fail(format!("no active external-access analyzer in {}: {}", r.region, named.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::Collected;
    use crate::model::Status;
    use crate::resources::account::{denied, Analyzer};

    fn analyzer(kind: &str, status: &str) -> Analyzer {
        Analyzer { name: "a".into(), kind: kind.into(), status: status.into() }
    }

    #[test]
    fn table() {
        let cases: Vec<(Collected<Vec<Analyzer>>, Status, &str)> = vec![
            (Ok(vec![analyzer("ACCOUNT", "ACTIVE")]), Status::Pass, "a (ACCOUNT) is active"),
            (Ok(vec![analyzer("ORGANIZATION", "ACTIVE")]), Status::Pass, "ORGANIZATION"),
            (Ok(vec![]), Status::Fail, "no analyzer in eu-west-1"),
            (Ok(vec![analyzer("ACCOUNT", "DISABLED")]), Status::Fail, "a (ACCOUNT, DISABLED)"),
            (Ok(vec![analyzer("ACCOUNT_UNUSED_ACCESS", "ACTIVE")]), Status::Fail, "ACCOUNT_UNUSED_ACCESS"),
            (Err(denied("access-analyzer:ListAnalyzers")), Status::Unknown, "access-analyzer:ListAnalyzers"),
        ];
        for (analyzers, want, reason_has) in cases {
            let r = RegionBaseline { analyzers: analyzers.clone(), ..RegionBaseline::fixture("eu-west-1") };
            let o = AccessAnalyzerEnabled.evaluate(&r, &ScanContext::fixture());
            assert_eq!(o.status, want, "{analyzers:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{analyzers:?}: {}", o.reason);
        }
    }
}
