//! The rule `account.inspector-lambda-enabled`; its documentation is on [`InspectorLambdaEnabled`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::account::RegionBaseline;
use crate::rules::Rule;

rule! {
    pub struct InspectorLambdaEnabled;
    id: "account.inspector-lambda-enabled",
    title: "Amazon Inspector scans Lambda functions",
    severity: Low,
    resource_type: "AwsAccount",
    trigger: Periodic,
    mappings: [Prowler("inspector2_is_enabled")],
    seeds: ["003"],
    what_it_checks: "In the region judged, Amazon Inspector scans Lambda functions:\n\
        `BatchGetAccountStatus` for the account reports `resourceState.lambda` `ENABLED` (Lambda\n\
        standard scanning of packages and dependencies). Lambda code scanning is reported in the\n\
        reason but not required. An account Inspector reports nothing for, or with Lambda\n\
        scanning in any other state, fails; a failed account entry (`ACCESS_DENIED`, ...) or a\n\
        failed call is UNKNOWN.",
    why_it_matters: "Functions ship third-party packages that age into known\n\
        vulnerabilities; Inspector re-scans every function against new CVEs, the only way to know\n\
        a deployed function carries one.",
    example: "A region where Inspector was enabled for EC2 and ECR only.",
    remediation: "Enable Inspector Lambda scanning in every region (aws inspector2 enable --resource-types LAMBDA LAMBDA_CODE), or auto-enable it from the delegated administrator.\n\
        \n\
        `aws inspector2 enable --resource-types LAMBDA LAMBDA_CODE` in every\n\
        region (or auto-enable from the organisation's delegated administrator).",
    references: "",
}

impl Rule for InspectorLambdaEnabled {
    type Resource = RegionBaseline;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, r: &RegionBaseline, _ctx: &ScanContext) -> Outcome {
        let Some(status) = known!(r.inspector) else {
            return Outcome::fail(format!("Amazon Inspector reports no status for the account in {}", r.region));
        };
        let lambda = status.lambda.as_deref().unwrap_or("not reported");
        let code = status.lambda_code.as_deref().unwrap_or("not reported");
        if lambda.eq_ignore_ascii_case("ENABLED") {
            Outcome::pass(format!("Inspector scans Lambda functions (code scanning {code})"))
        } else {
            Outcome::fail(format!(
                "Inspector Lambda scanning is {lambda} (account state {}) in {}",
                status.state, r.region
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::Collected;
    use crate::model::Status;
    use crate::resources::account::{denied, InspectorStatus};

    fn status(state: &str, lambda: Option<&str>) -> InspectorStatus {
        InspectorStatus { state: state.into(), lambda: lambda.map(str::to_string), lambda_code: None }
    }

    #[test]
    fn table() {
        let cases: Vec<(Collected<Option<InspectorStatus>>, Status, &str)> = vec![
            (Ok(Some(status("ENABLED", Some("ENABLED")))), Status::Pass, "(code scanning not reported)"),
            (
                Ok(Some(status("ENABLED", Some("DISABLED")))),
                Status::Fail,
                "scanning is DISABLED (account state ENABLED)",
            ),
            (Ok(Some(status("DISABLED", None))), Status::Fail, "not reported"),
            (Ok(None), Status::Fail, "no status for the account in eu-west-1"),
            (Err(denied("inspector2:BatchGetAccountStatus")), Status::Unknown, "inspector2:BatchGetAccountStatus"),
        ];
        for (inspector, want, reason_has) in cases {
            let r = RegionBaseline { inspector: inspector.clone(), ..RegionBaseline::fixture("eu-west-1") };
            let o = InspectorLambdaEnabled.evaluate(&r, &ScanContext::fixture());
            assert_eq!(o.status, want, "{inspector:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{inspector:?}: {}", o.reason);
        }
    }
}
