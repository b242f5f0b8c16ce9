//! The rule `account.securityhub-enabled`; its documentation is on [`SecurityHubEnabled`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::account::RegionBaseline;
use crate::rules::Rule;

rule! {
    pub struct SecurityHubEnabled;
    id: "account.securityhub-enabled",
    title: "Security Hub is enabled",
    severity: Medium,
    resource_type: "AwsAccount",
    trigger: Change,
    mappings: [Prowler("securityhub_enabled")],
    seeds: ["003"],
    what_it_checks: "In the region judged, the account is subscribed to Security Hub\n\
        (`DescribeHub` answers with the hub). Security Hub's \"not subscribed\" answers\n\
        (`InvalidAccessException`, `ResourceNotFoundException`) fail; AccessDenied, throttling and\n\
        other errors are UNKNOWN.",
    why_it_matters: "Security Hub is where ztscan's own findings, GuardDuty, Inspector and\n\
        Access Analyzer meet. A region without it has no single place where anyone sees that\n\
        region's problems, and ztscan's publisher cannot import there.",
    example: "An account that enabled Security Hub in its home region only.",
    remediation: "Enable Security Hub in every region (aws securityhub enable-security-hub --enable-default-standards), or with central configuration from the delegated administrator.\n\
        \n\
        `aws securityhub enable-security-hub --enable-default-standards` in every\n\
        region (or central configuration from the organisation's delegated administrator).",
    references: "",
}

impl Rule for SecurityHubEnabled {
    type Resource = RegionBaseline;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, r: &RegionBaseline, _ctx: &ScanContext) -> Outcome {
        match known!(r.security_hub) {
            Some(hub) => Outcome::pass(format!("Security Hub is enabled ({hub})")),
            None => Outcome::fail(format!("the account is not subscribed to Security Hub in {}", r.region)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::Collected;
    use crate::model::Status;
    use crate::resources::account::denied;

    #[test]
    fn table() {
        let cases: Vec<(Collected<Option<String>>, Status, &str)> = vec![
            (Ok(Some("arn:aws:securityhub:eu-west-1:123456789012:hub/default".into())), Status::Pass, "hub/default"),
            (Ok(None), Status::Fail, "not subscribed to Security Hub in eu-west-1"),
            (Err(denied("securityhub:DescribeHub")), Status::Unknown, "securityhub:DescribeHub"),
        ];
        for (hub, want, reason_has) in cases {
            let r = RegionBaseline { security_hub: hub.clone(), ..RegionBaseline::fixture("eu-west-1") };
            let o = SecurityHubEnabled.evaluate(&r, &ScanContext::fixture());
            assert_eq!(o.status, want, "{hub:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{hub:?}: {}", o.reason);
        }
    }
}
