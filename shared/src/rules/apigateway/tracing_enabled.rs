//! The rule `apigateway.tracing-enabled`; its documentation is on [`TracingEnabled`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::api::{Api, ApiProtocol};
use crate::rules::Rule;

use super::every_stage;

rule! {
    pub struct TracingEnabled;
    id: "apigateway.tracing-enabled",
    title: "Every REST API stage has X-Ray tracing on",
    severity: Low,
    resource_type: "AwsApiGatewayRestApi",
    trigger: Change,
    mappings: [Fsbp("APIGateway.3")],
    seeds: ["002"],
    what_it_checks: "Every stage of a REST API has X-Ray active tracing on (`tracingEnabled`, as\n\
        `GetStages` returns it). A FAIL names the stages without it. HTTP and WebSocket APIs cannot\n\
        be traced by X-Ray: NOT_APPLICABLE, as is a REST API with no stage. A stage listing that\n\
        could not be read is UNKNOWN.",
    why_it_matters: "Traces follow a request from the API into the functions and services behind\n\
        it: without them a slow or failing call, or an unexpected downstream access, cannot be\n\
        followed end to end.",
    example: "A `prod` stage deployed with `tracingEnabled: false`.",
    remediation: "Turn on X-Ray tracing for every REST API stage.\n\
        \n\
        `aws apigateway update-stage --rest-api-id <id> --stage-name <stage> --patch-operations op=replace,path=/tracingEnabled,value=true`.",
    references: "https://docs.aws.amazon.com/xray/latest/devguide/xray-services-apigateway.html",
}

impl Rule for TracingEnabled {
    type Resource = Api;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, api: &Api, _ctx: &ScanContext) -> Outcome {
        if api.protocol != ApiProtocol::Rest {
            return Outcome::not_applicable(format!("X-Ray cannot trace an {}", api.protocol.label()));
        }
        let stages = known!(api.stages);
        every_stage(api, stages, |s| s.tracing_enabled, "has X-Ray tracing on", "without X-Ray tracing")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::api::{denied, Stage};

    #[test]
    fn table() {
        let untraced = Stage { tracing_enabled: false, ..Stage::fixture("beta") };
        let cases: Vec<(&str, Api, Status, &str)> = vec![
            ("traced", Api::fixture("a1"), Status::Pass, "every stage has X-Ray tracing on"),
            (
                "one untraced",
                Api { stages: Ok(vec![Stage::fixture("prod"), untraced]), ..Api::fixture("a1") },
                Status::Fail,
                "1 stage(s) without X-Ray tracing: beta",
            ),
            ("HTTP API", Api::fixture_http("h1"), Status::NotApplicable, "cannot trace an HTTP API"),
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
            let o = TracingEnabled.evaluate(&api, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
