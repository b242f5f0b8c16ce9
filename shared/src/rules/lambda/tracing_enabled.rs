//! The rule `lambda.tracing-enabled`; its documentation is on [`TracingEnabled`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::lambda::LambdaFunction;
use crate::rules::Rule;

rule! {
    pub struct TracingEnabled;
    id: "lambda.tracing-enabled",
    title: "Lambda function has X-Ray active tracing enabled",
    severity: Low,
    resource_type: "AwsLambdaFunction",
    trigger: Change,
    mappings: [Fsbp("Lambda.7")],
    seeds: ["002"],
    what_it_checks: "X-Ray active tracing is on (`TracingConfig.Mode` is `Active`).\n\
        `PassThrough` (the default: the function only forwards an upstream trace header) and no\n\
        tracing config both fail. The mode is part of the function configuration, so there is no\n\
        UNKNOWN outcome.",
    why_it_matters: "Active tracing records every invocation's path through downstream AWS\n\
        calls, which is what an investigation needs to see what a function touched and where time\n\
        or errors came from.",
    example: "A function created without `--tracing-config Mode=Active`.",
    remediation: "Turn on active tracing (aws lambda update-function-configuration --tracing-config Mode=Active, or Tracing: Active in SAM) and allow the role to write X-Ray segments.\n\
        \n\
        `aws lambda update-function-configuration --function-name f\n\
        --tracing-config Mode=Active` (SAM: `Tracing: Active`), granting the role\n\
        `xray:PutTraceSegments` and `xray:PutTelemetryRecords` (AWSXRayDaemonWriteAccess).",
    references: "FSBP Lambda.7 (later FSBP versions).",
}

impl Rule for TracingEnabled {
    type Resource = LambdaFunction;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, function: &LambdaFunction, _ctx: &ScanContext) -> Outcome {
        match function.tracing_mode.as_deref() {
            Some(mode) if mode.eq_ignore_ascii_case("Active") => Outcome::pass("X-Ray active tracing is enabled"),
            Some(mode) => Outcome::fail(format!("X-Ray tracing mode is {mode}, not Active")),
            None => Outcome::fail("the function has no tracing configuration"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    #[test]
    fn table() {
        let cases: &[(Option<&str>, Status, &str)] = &[
            (Some("Active"), Status::Pass, "active tracing is enabled"),
            (Some("PassThrough"), Status::Fail, "mode is PassThrough"),
            (None, Status::Fail, "no tracing configuration"),
        ];
        for (mode, want, reason_has) in cases {
            let f = LambdaFunction { tracing_mode: mode.map(str::to_string), ..LambdaFunction::fixture("f") };
            let o = TracingEnabled.evaluate(&f, &ScanContext::fixture());
            assert_eq!(o.status, *want, "{mode:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{mode:?}: {}", o.reason);
        }
    }
}
