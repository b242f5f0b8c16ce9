//! The rule `apigateway.waf-attached`; its documentation is on [`WafAttached`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::api::{Api, ApiProtocol};
use crate::rules::Rule;

use super::every_stage;

rule! {
    pub struct WafAttached;
    id: "apigateway.waf-attached",
    title: "Every stage of a public REST API has a WAF web ACL",
    severity: Medium,
    resource_type: "AwsApiGatewayRestApi",
    trigger: Change,
    mappings: [Fsbp("APIGateway.4")],
    seeds: ["003"],
    what_it_checks: "Every stage of an `EDGE` or `REGIONAL` REST API is associated with an AWS WAF\n\
        web ACL (the stage's `webAclArn`, as `GetStages` returns it). A FAIL names the stages\n\
        without one. NOT_APPLICABLE: a `PRIVATE` REST API (reachable only through VPC endpoints),\n\
        HTTP and WebSocket APIs (WAF cannot be associated with them), an API with no stage. A stage\n\
        listing that could not be read is UNKNOWN.",
    why_it_matters: "A web ACL filters injection, bad bots and floods before they reach the\n\
        functions behind the API, and rate-limits by address: without it every request is paid for\n\
        and processed.",
    example: "A regional REST API whose `prod` stage has no `webAclArn`.",
    remediation: "Associate an AWS WAF web ACL (with the AWS managed core rule set and a rate-based rule) with every stage of each public REST API.\n\
        \n\
        `aws wafv2 associate-web-acl --web-acl-arn <acl> --resource-arn arn:aws:apigateway:<region>::/restapis/<id>/stages/<stage>`.",
    references: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html",
}

impl Rule for WafAttached {
    type Resource = Api;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, api: &Api, _ctx: &ScanContext) -> Outcome {
        if api.protocol != ApiProtocol::Rest {
            return Outcome::not_applicable(format!("AWS WAF cannot be associated with an {}", api.protocol.label()));
        }
        if api.is_private() {
            return Outcome::not_applicable("a PRIVATE REST API is reachable only through VPC endpoints");
        }
        let stages = known!(api.stages);
        every_stage(api, stages, |s| s.web_acl_arn.is_some(), "has a WAF web ACL", "without a WAF web ACL")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::api::{denied, Stage};

    #[test]
    fn table() {
        let bare = Stage { web_acl_arn: None, ..Stage::fixture("prod") };
        let cases: Vec<(&str, Api, Status, &str)> = vec![
            ("guarded", Api::fixture("a1"), Status::Pass, "every stage has a WAF web ACL"),
            (
                "edge, unguarded",
                Api { endpoint_types: vec!["EDGE".into()], stages: Ok(vec![bare.clone()]), ..Api::fixture("a1") },
                Status::Fail,
                "1 stage(s) without a WAF web ACL: prod",
            ),
            (
                "private",
                Api { endpoint_types: vec!["PRIVATE".into()], stages: Ok(vec![bare]), ..Api::fixture("a1") },
                Status::NotApplicable,
                "PRIVATE",
            ),
            ("HTTP API", Api::fixture_http("h1"), Status::NotApplicable, "cannot be associated with an HTTP API"),
            (
                "no stage",
                Api { stages: Ok(Vec::new()), ..Api::fixture("a1") },
                Status::NotApplicable,
                "no deployed stage",
            ),
            (
                "stages unread",
                Api { stages: Err(denied("apigateway:GET")), ..Api::fixture("a1") },
                Status::Unknown,
                "access denied",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, api, status, needle) in cases {
            let o = WafAttached.evaluate(&api, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
