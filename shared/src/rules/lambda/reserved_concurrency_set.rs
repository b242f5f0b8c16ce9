//! The rule `lambda.reserved-concurrency-set`; its documentation is on [`ReservedConcurrencySet`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::lambda::LambdaFunction;
use crate::rules::Rule;

rule! {
    pub struct ReservedConcurrencySet;
    id: "lambda.reserved-concurrency-set",
    title: "Lambda function has reserved concurrency configured",
    severity: Low,
    resource_type: "AwsLambdaFunction",
    trigger: Change,
    mappings: [],
    seeds: ["002"],
    what_it_checks: "The function has reserved concurrency configured\n\
        (`PutFunctionConcurrency`). A value of 0 passes but says so: it is a deliberate setting that\n\
        throttles every invocation (the usual way to switch a function off), so it is bounded, but\n\
        the reader should know the function cannot run. When the setting could not be read the\n\
        result is UNKNOWN.",
    why_it_matters: "Without a reservation the function draws from the account's shared\n\
        concurrency pool: a flood of events (or an attacker triggering it) can consume the whole\n\
        pool and throttle every other function in the region, and there is no cap on the cost or on\n\
        the load it puts on downstream systems.",
    example: "A function created without `ReservedConcurrentExecutions`.",
    remediation: "Reserve concurrency sized to the function's peak load (aws lambda put-function-concurrency --reserved-concurrent-executions N).\n\
        \n\
        `aws lambda put-function-concurrency --function-name f\n\
        --reserved-concurrent-executions <peak + margin>` (SAM: `ReservedConcurrentExecutions`).",
    references: "",
}

impl Rule for ReservedConcurrencySet {
    type Resource = LambdaFunction;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, function: &LambdaFunction, _ctx: &ScanContext) -> Outcome {
        match known!(function.reserved_concurrency) {
            Some(0) => {
                Outcome::pass("reserved concurrency is 0: the function is throttled and cannot be invoked (disabled)")
            }
            Some(n) => Outcome::pass(format!("reserved concurrency is {n}")),
            None => {
                Outcome::fail("no reserved concurrency is configured: the function draws on the account's shared pool")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    #[test]
    fn table() {
        let cases: Vec<(crate::collected::Collected<Option<i32>>, Status, &str)> = vec![
            (Ok(Some(5)), Status::Pass, "reserved concurrency is 5"),
            (Ok(Some(0)), Status::Pass, "throttled"),
            (Ok(None), Status::Fail, "no reserved concurrency"),
            (
                Err(LambdaFunction::denied("lambda:GetFunctionConcurrency")),
                Status::Unknown,
                "lambda:GetFunctionConcurrency",
            ),
        ];
        for (reserved, want, reason_has) in cases {
            let f = LambdaFunction { reserved_concurrency: reserved.clone(), ..LambdaFunction::fixture("f") };
            let o = ReservedConcurrencySet.evaluate(&f, &ScanContext::fixture());
            assert_eq!(o.status, want, "{reserved:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{reserved:?}: {}", o.reason);
        }
    }
}
