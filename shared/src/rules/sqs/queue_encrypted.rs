//! The rule `sqs.queue-encrypted`; its documentation is on [`QueueEncrypted`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::messaging::{QueueEncryption, SqsQueue};
use crate::rules::Rule;

rule! {
    pub struct QueueEncrypted;
    id: "sqs.queue-encrypted",
    title: "SQS queue is encrypted at rest",
    severity: Medium,
    resource_type: "AwsSqsQueue",
    trigger: Change,
    mappings: [Fsbp("SQS.1")],
    seeds: ["004"],
    what_it_checks: "The queue has server-side encryption: SSE-KMS (`KmsMasterKeyId` set,\n\
        the AWS-managed `alias/aws/sqs` included) or SSE-SQS (`SqsManagedSseEnabled=true`). A queue\n\
        with neither fails; attributes that could not be read are UNKNOWN.",
    why_it_matters: "Messages can sit in a queue for up to 14 days; without SSE they are\n\
        stored unencrypted, and queues routinely carry orders, events and personal data.",
    example: "`aws sqs create-queue --queue-name q --attributes SqsManagedSseEnabled=false`.",
    remediation: "Turn on server-side encryption: aws sqs set-queue-attributes --attributes SqsManagedSseEnabled=true, or KmsMasterKeyId=<key> for SSE-KMS.\n\
        \n\
        `aws sqs set-queue-attributes --queue-url <url> --attributes\n\
        SqsManagedSseEnabled=true` (or `KmsMasterKeyId=<key>` for a key you control).",
    references: "",
}

impl Rule for QueueEncrypted {
    type Resource = SqsQueue;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, queue: &SqsQueue, _ctx: &ScanContext) -> Outcome {
        match known!(queue.encryption) {
            QueueEncryption::Kms(key) => Outcome::pass(format!("SSE-KMS with the key {key}")),
            QueueEncryption::SqsManaged => Outcome::pass("SSE-SQS (SQS-managed keys)"),
            QueueEncryption::None => Outcome::fail("neither SSE-SQS nor SSE-KMS is enabled on the queue"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::messaging::denied;

    #[test]
    fn table() {
        let with = |e: QueueEncryption| SqsQueue { encryption: Ok(e), ..SqsQueue::fixture("q") };
        let cases = [
            (
                "kms",
                with(QueueEncryption::Kms("alias/aws/sqs".into())),
                Status::Pass,
                "SSE-KMS with the key alias/aws/sqs",
            ),
            ("sqs-managed", with(QueueEncryption::SqsManaged), Status::Pass, "SSE-SQS"),
            ("none", with(QueueEncryption::None), Status::Fail, "neither SSE-SQS nor SSE-KMS"),
            (
                "denied",
                SqsQueue { encryption: Err(denied("sqs:GetQueueAttributes")), ..SqsQueue::fixture("q") },
                Status::Unknown,
                "access denied on sqs:GetQueueAttributes",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, queue, status, needle) in cases {
            let o = QueueEncrypted.evaluate(&queue, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
