//! `sqs.queue-encrypted`.
//!
//! **What it checks.** The queue has server-side encryption: SSE-KMS (`KmsMasterKeyId` set,
//! the AWS-managed `alias/aws/sqs` included) or SSE-SQS (`SqsManagedSseEnabled=true`). A queue
//! with neither fails; attributes that could not be read are UNKNOWN.
//!
//! **Why it matters.** Messages can sit in a queue for up to 14 days; without SSE they are
//! stored unencrypted, and queues routinely carry orders, events and personal data.
//!
//! **Example.** `aws sqs create-queue --queue-name q --attributes SqsManagedSseEnabled=false`.
//!
//! **Remediation.** `aws sqs set-queue-attributes --queue-url <url> --attributes
//! SqsManagedSseEnabled=true` (or `KmsMasterKeyId=<key>` for a key you control).
//!
//! **References.** FSBP SQS.1; seed 004.

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta, Severity, Trigger};
use crate::resources::messaging::{QueueEncryption, SqsQueue};
use crate::rules::Rule;

pub struct QueueEncrypted;

static META: RuleMeta = RuleMeta {
    id: "sqs.queue-encrypted",
    title: "SQS queue is encrypted at rest",
    severity: Severity::Medium,
    resource_type: "AwsSqsQueue",
    trigger: Trigger::Change,
    remediation: "Turn on server-side encryption: aws sqs set-queue-attributes --attributes SqsManagedSseEnabled=true, or KmsMasterKeyId=<key> for SSE-KMS.",
    mappings: &["SQS.1"],
    seeds: &["004"],
};

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
