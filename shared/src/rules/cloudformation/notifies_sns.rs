//! The rule `cloudformation.notifies-sns`; its documentation is on [`NotifiesSns`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::cloudformation::Stack;
use crate::rules::Rule;

rule! {
    pub struct NotifiesSns;
    id: "cloudformation.notifies-sns",
    title: "CloudFormation stack sends its events to an SNS topic",
    severity: Low,
    resource_type: "AwsCloudFormationStack",
    trigger: Change,
    mappings: [Fsbp("CloudFormation.1")],
    seeds: ["000"],
    what_it_checks: "The stack sends its events to at least one SNS topic\n\
        (`NotificationARNs` is not empty). The verdict needs only the listing, so it is never\n\
        UNKNOWN on its own (a failed listing makes every rule UNKNOWN at the audit level).",
    why_it_matters: "Stack events (updates, rollbacks, deletions, drift-causing failures)\n\
        are the change log of the infrastructure. Without a notification topic nobody hears about\n\
        an unexpected update or a failed rollback until something breaks, and there is no feed for\n\
        change management or incident response to subscribe to.",
    example: "A stack created from the console with the notification option left empty:\n\
        someone deletes its security group rule through an update and no one is told.",
    remediation: "Add an SNS topic to the stack's NotificationARNs (cloudformation update-stack --notification-arns <topic-arn> with the previous template).\n\
        \n\
        `aws cloudformation update-stack --stack-name <name>\n\
        --use-previous-template --notification-arns <topic-arn>` (keep the parameters with\n\
        `UsePreviousValue`), or `NotificationARNs` in the pipeline that deploys the stack.",
    references: "",
}

impl Rule for NotifiesSns {
    type Resource = Stack;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, stack: &Stack, _ctx: &ScanContext) -> Outcome {
        if stack.notification_arns.is_empty() {
            return Outcome::fail("the stack has no SNS notification topic, so its events reach no one");
        }
        Outcome::pass(format!("stack events go to {}", stack.notification_arns.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    #[test]
    fn table() {
        let base = Stack::fixture("app");
        let cases: Vec<(&str, Stack, Status, &str)> = vec![
            ("one topic", base.clone(), Status::Pass, "arn:aws:sns:us-east-1:123456789012:stack-events"),
            (
                "two topics",
                Stack {
                    notification_arns: vec![
                        "arn:aws:sns:us-east-1:123456789012:a".into(),
                        "arn:aws:sns:us-east-1:123456789012:b".into(),
                    ],
                    ..base.clone()
                },
                Status::Pass,
                ":a, arn:aws:sns:us-east-1:123456789012:b",
            ),
            (
                "none",
                Stack { notification_arns: Vec::new(), ..base.clone() },
                Status::Fail,
                "no SNS notification topic",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, stack, status, needle) in cases {
            let o = NotifiesSns.evaluate(&stack, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
