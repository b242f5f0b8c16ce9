//! The rule `apigateway.access-logging-enabled`; its documentation is on [`AccessLoggingEnabled`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::api::Api;
use crate::rules::Rule;

use super::every_stage;

rule! {
    pub struct AccessLoggingEnabled;
    id: "apigateway.access-logging-enabled",
    title: "Every API stage writes access logs",
    severity: Medium,
    resource_type: "AwsApiGatewayRestApi",
    trigger: Change,
    mappings: [Fsbp("APIGateway.1"), Fsbp("APIGateway.9")],
    seeds: ["002", "003"],
    what_it_checks: "Every stage of a REST, HTTP or WebSocket API (`GetStages`) has access logging\n\
        configured (`AccessLogSettings.DestinationArn`: a CloudWatch Logs group or a Firehose\n\
        stream). A FAIL names the stages without it (the first ten, then how many more). An API\n\
        with no stage is NOT_APPLICABLE (nothing is deployed); a stage listing that could not be\n\
        read is UNKNOWN.",
    why_it_matters: "Access logs are the only record of who called the API, from where and with\n\
        what result: without them an incident cannot be investigated and abuse goes unseen.",
    example: "A `prod` stage deployed without `--access-log-settings`.",
    remediation: "Configure access logging on every stage (AccessLogSettings with a CloudWatch Logs group ARN and a format including $context.requestId, $context.identity.sourceIp and $context.status).\n\
        \n\
        REST: `aws apigateway update-stage --patch-operations op=replace,path=/accessLogSettings/destinationArn,value=<log group ARN>`;\n\
        HTTP/WebSocket: `aws apigatewayv2 update-stage --access-log-settings DestinationArn=...,Format=...`.",
    references: "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html",
}

impl Rule for AccessLoggingEnabled {
    type Resource = Api;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, api: &Api, _ctx: &ScanContext) -> Outcome {
        let stages = known!(api.stages);
        every_stage(api, stages, |s| s.access_log_destination.is_some(), "writes access logs", "without access logs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::api::{denied, Stage};

    #[test]
    fn table() {
        let unlogged = |name: &str| Stage { access_log_destination: None, ..Stage::fixture(name) };
        let cases: Vec<(&str, Api, Status, &str)> = vec![
            ("logged", Api::fixture("a1"), Status::Pass, "1 stage(s)"),
            ("HTTP API logged", Api::fixture_http("h1"), Status::Pass, "every stage"),
            (
                "one stage unlogged",
                Api { stages: Ok(vec![Stage::fixture("prod"), unlogged("dev")]), ..Api::fixture("a1") },
                Status::Fail,
                "1 stage(s) without access logs: dev",
            ),
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
            let o = AccessLoggingEnabled.evaluate(&api, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
