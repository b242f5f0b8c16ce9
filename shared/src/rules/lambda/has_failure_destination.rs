//! The rule `lambda.has-failure-destination`; its documentation is on [`HasFailureDestination`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::lambda::LambdaFunction;
use crate::rules::Rule;

rule! {
    pub struct HasFailureDestination;
    id: "lambda.has-failure-destination",
    title: "Lambda function sends failed asynchronous invocations to a DLQ or on-failure destination",
    severity: Low,
    resource_type: "AwsLambdaFunction",
    trigger: Change,
    mappings: [Prowler("awslambda_function_no_dead_letter_queue")],
    seeds: ["002"],
    what_it_checks: "Failed asynchronous invocations of the function go somewhere: a\n\
        dead-letter queue or topic (`DeadLetterConfig.TargetArn`), or an on-failure destination in\n\
        the asynchronous-invocation config of the unqualified function (the config whose function\n\
        ARN is the function's ARN or `<arn>:$LATEST`). With a dead-letter target the invoke configs\n\
        are not needed and the rule passes even if they could not be read; otherwise an unreadable\n\
        list is UNKNOWN.\n\
        \n\
        Aliases and versions: the resource is the unqualified function, so an on-failure\n\
        destination set only on an alias or version does not pass. Events sent to that alias are\n\
        covered, but any event source or caller that invokes the function unqualified is not, and\n\
        the config does not follow a new alias. The failure reason then names the qualifiers that do\n\
        have a destination, so a function deployed only through an alias is easy to recognise; the\n\
        fix is to set the destination (or a DLQ) on the function itself too.",
    why_it_matters: "Lambda retries an asynchronous event twice and then discards it. Without\n\
        a DLQ or destination, every event that fails (a bug, a throttle, a downstream outage) is lost\n\
        silently, with no record of what was dropped.",
    example: "An S3-triggered function with no `DeadLetterConfig` and no\n\
        `put-function-event-invoke-config --destination-config OnFailure=...`.",
    remediation: "Configure an on-failure destination for the unqualified function (aws lambda put-function-event-invoke-config --destination-config OnFailure=...) or a dead-letter queue (DeadLetterConfig).\n\
        \n\
        `aws lambda put-function-event-invoke-config --function-name f\n\
        --destination-config '{\"OnFailure\":{\"Destination\":\"<SQS/SNS/EventBridge/Lambda ARN>\"}}'`\n\
        (SAM: `EventInvokeConfig.DestinationConfig.OnFailure`), or set `DeadLetterConfig`; alarm on\n\
        the queue's depth.",
    references: "",
}

impl Rule for HasFailureDestination {
    type Resource = LambdaFunction;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, function: &LambdaFunction, _ctx: &ScanContext) -> Outcome {
        if let Some(dlq) = &function.dead_letter_target {
            return Outcome::pass(format!("failed asynchronous invocations go to the dead-letter target {dlq}"));
        }
        let configs = known!(function.event_invoke_configs);
        let latest = format!("{}:$LATEST", function.arn);
        let unqualified = configs
            .iter()
            .filter(|c| c.function_arn == function.arn || c.function_arn == latest)
            .find_map(|c| c.on_failure.as_deref());
        if let Some(destination) = unqualified {
            return Outcome::pass(format!(
                "failed asynchronous invocations go to the on-failure destination {destination}"
            ));
        }
        let qualified: Vec<&str> = configs
            .iter()
            .filter(|c| c.on_failure.is_some() && c.function_arn != function.arn && c.function_arn != latest)
            .map(|c| c.function_arn.as_str())
            .collect();
        if qualified.is_empty() {
            Outcome::fail("the function has no dead-letter queue and no on-failure destination")
        } else {
            Outcome::fail(format!(
                "the unqualified function has no dead-letter queue and no on-failure destination (only {} has one)",
                qualified.join(", ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::Collected;
    use crate::model::Status;
    use crate::resources::lambda::EventInvokeConfig;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";
    const QUEUE: &str = "arn:aws:sqs:us-east-1:123456789012:failures";

    fn config(qualifier: &str, on_failure: Option<&str>) -> EventInvokeConfig {
        let function_arn = if qualifier.is_empty() { ARN.to_string() } else { format!("{ARN}:{qualifier}") };
        EventInvokeConfig { function_arn, on_failure: on_failure.map(str::to_string) }
    }

    /// `(dead-letter target, invoke configs, expected status, expected part of the reason)`.
    type Case = (Option<&'static str>, Collected<Vec<EventInvokeConfig>>, Status, &'static str);

    #[test]
    fn table() {
        let denied = || Err(LambdaFunction::denied("lambda:ListFunctionEventInvokeConfigs"));
        let cases: Vec<Case> = vec![
            (None, Ok(vec![config("", Some(QUEUE))]), Status::Pass, "on-failure destination arn:aws:sqs"),
            (None, Ok(vec![config("$LATEST", Some(QUEUE))]), Status::Pass, "on-failure destination"),
            (Some(QUEUE), Ok(vec![]), Status::Pass, "dead-letter target arn:aws:sqs"),
            (Some(QUEUE), denied(), Status::Pass, "dead-letter target"),
            (None, Ok(vec![]), Status::Fail, "no dead-letter queue and no on-failure destination"),
            (None, Ok(vec![config("", None)]), Status::Fail, "no dead-letter queue"),
            (
                None,
                Ok(vec![config("live", Some(QUEUE)), config("", None)]),
                Status::Fail,
                "(only arn:aws:lambda:us-east-1:123456789012:function:f:live has one)",
            ),
            (None, denied(), Status::Unknown, "lambda:ListFunctionEventInvokeConfigs"),
        ];
        for (dlq, configs, want, reason_has) in cases {
            let f = LambdaFunction {
                dead_letter_target: dlq.map(str::to_string),
                event_invoke_configs: configs.clone(),
                ..LambdaFunction::fixture("f")
            };
            let o = HasFailureDestination.evaluate(&f, &ScanContext::fixture());
            assert_eq!(o.status, want, "{dlq:?} {configs:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{dlq:?} {configs:?}: {}", o.reason);
        }
    }
}
