//! `lambda.tracing-enabled`.
//!
//! **What it checks.** X-Ray active tracing is on (`TracingConfig.Mode` is `Active`).
//! `PassThrough` (the default: the function only forwards an upstream trace header) and no
//! tracing config both fail. The mode is part of the function configuration, so there is no
//! UNKNOWN outcome.
//!
//! **Why it matters.** Active tracing records every invocation's path through downstream AWS
//! calls, which is what an investigation needs to see what a function touched and where time
//! or errors came from.
//!
//! **Example.** A function created without `--tracing-config Mode=Active`.
//!
//! **Remediation.** `aws lambda update-function-configuration --function-name f
//! --tracing-config Mode=Active` (SAM: `Tracing: Active`), granting the role
//! `xray:PutTraceSegments` and `xray:PutTelemetryRecords` (AWSXRayDaemonWriteAccess).
//!
//! **References.** FSBP Lambda.7 (later FSBP versions); seed 002.

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta, Severity, Trigger};
use crate::resources::lambda::LambdaFunction;
use crate::rules::Rule;

pub struct TracingEnabled;

static META: RuleMeta = RuleMeta {
    id: "lambda.tracing-enabled",
    title: "Lambda function has X-Ray active tracing enabled",
    severity: Severity::Low,
    resource_type: "AwsLambdaFunction",
    trigger: Trigger::Change,
    remediation: "Turn on active tracing (aws lambda update-function-configuration --tracing-config Mode=Active, or Tracing: Active in SAM) and allow the role to write X-Ray segments.",
    mappings: &["Lambda.7"],
    seeds: &["002"],
};

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
