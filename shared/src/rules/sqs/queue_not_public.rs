//! The rule `sqs.queue-not-public`; its documentation is on [`QueueNotPublic`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::messaging::SqsQueue;
use crate::rules::policy_checks::not_public;
use crate::rules::Rule;

rule! {
    pub struct QueueNotPublic;
    id: "sqs.queue-not-public",
    title: "SQS queue policy grants no access to everyone",
    severity: Critical,
    resource_type: "AwsSqsQueue",
    trigger: Change,
    mappings: [Prowler("sqs_queues_not_publicly_accessible")],
    seeds: ["004"],
    what_it_checks: "The queue's access policy has no `Allow` statement that reaches\n\
        everyone (`Principal: \"*\"`, `{\"AWS\": \"*\"}`, `NotPrincipal`) or a foreign, untrusted account\n\
        without a condition confining it to this account or organisation. The decision is the\n\
        shared policy engine's (`policy::external_grants` with the scan's `Trust`, read by\n\
        `rules::policy_checks::not_public`), exactly as for `sns.topic-not-public`: the usual\n\
        \"SNS topic may send to this queue\" statement (`Principal: \"*\"` with `aws:SourceArn` of an\n\
        own topic) is confined and passes; one with `aws:SourceArn` of another account's topic\n\
        fails, naming it. Service principals are not reported. A queue without a policy passes; a\n\
        policy that is not JSON or could not be read is UNKNOWN.",
    why_it_matters: "`sqs:ReceiveMessage` open to everyone hands every message to any AWS\n\
        account; `sqs:SendMessage` open to everyone lets anyone feed your consumers.",
    example: "`{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sqs:*\",\"Resource\":\"<queue arn>\"}`.",
    remediation: "Remove queue policy statements that allow Principal \"*\" or foreign accounts, or confine them with an aws:SourceArn/aws:SourceAccount/aws:PrincipalOrgID condition naming your own resources, account or organisation.\n\
        \n\
        Name the principals that need the queue, or add an\n\
        `aws:SourceArn`/`aws:SourceAccount`/`aws:PrincipalOrgID` condition naming your own\n\
        resources, account or organisation (`aws sqs set-queue-attributes --attributes Policy=...`).",
    references: "",
}

impl Rule for QueueNotPublic {
    type Resource = SqsQueue;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, queue: &SqsQueue, ctx: &ScanContext) -> Outcome {
        match known!(queue.policy) {
            None => Outcome::pass("the queue has no access policy"),
            Some(doc) => not_public(doc, ctx, "queue"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::policy::PolicyDocument;
    use crate::resources::messaging::denied;

    fn with_statement(statement: &str) -> SqsQueue {
        let doc = PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)).unwrap();
        SqsQueue { policy: Ok(Some(doc)), ..SqsQueue::fixture("q") }
    }

    const SEND: &str = r#""Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:123456789012:q""#;

    #[test]
    fn table() {
        let cases: Vec<(&str, SqsQueue, Status, &str)> = vec![
            ("own account", SqsQueue::fixture("q"), Status::Pass, "no queue policy statement"),
            ("no policy", SqsQueue { policy: Ok(None), ..SqsQueue::fixture("q") }, Status::Pass, "no access policy"),
            (
                "Principal *",
                with_statement(r#"{"Sid":"Open","Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*"}"#),
                Status::Fail,
                "statement Open allows sqs:* to everyone without a restricting condition",
            ),
            (
                "own topic may send",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":"*",{SEND},"Condition":{{"ArnEquals":{{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:t"}}}}}}"#
                )),
                Status::Pass,
                "no queue policy statement",
            ),
            (
                "foreign topic may send",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":"*",{SEND},"Condition":{{"ArnEquals":{{"aws:SourceArn":"arn:aws:sns:us-east-1:999999999999:t"}}}}}}"#
                )),
                Status::Fail,
                "aws:SourceArn arn:aws:sns:us-east-1:999999999999:t",
            ),
            (
                "not JSON",
                SqsQueue {
                    policy: Err(CollectError::new(
                        CollectErrorKind::Malformed,
                        "sqs:GetQueueAttributes",
                        "policy of queue q: expected value",
                    )),
                    ..SqsQueue::fixture("q")
                },
                Status::Unknown,
                "policy of queue q",
            ),
            (
                "denied",
                SqsQueue { policy: Err(denied("sqs:GetQueueAttributes")), ..SqsQueue::fixture("q") },
                Status::Unknown,
                "access denied on sqs:GetQueueAttributes",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, queue, status, needle) in cases {
            let o = QueueNotPublic.evaluate(&queue, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
