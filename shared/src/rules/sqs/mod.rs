//! SQS rules: encryption at rest and exposure of each queue. Every rule reads only
//! `GetQueueAttributes`; none receives a message.

use crate::resources::messaging::SqsQueue;

use super::Rule;

mod queue_encrypted;
mod queue_not_public;

pub use queue_encrypted::QueueEncrypted;
pub use queue_not_public::QueueNotPublic;

/// Rules evaluated once per queue.
pub static QUEUE_RULES: &[&dyn Rule<Resource = SqsQueue>] = &[&QueueEncrypted, &QueueNotPublic];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ScanContext;
    use crate::model::{Status, Trigger};

    #[test]
    fn every_queue_rule_is_a_change_triggered_queue_rule_that_passes_the_fixture() {
        assert_eq!(QUEUE_RULES.len(), 2);
        let ctx = ScanContext::fixture();
        for rule in QUEUE_RULES {
            let m = rule.meta();
            assert!(m.id.starts_with("sqs."), "{}", m.id);
            assert_eq!(m.resource_type, "AwsSqsQueue", "{}", m.id);
            assert_eq!(m.trigger, Trigger::Change, "{}", m.id);
            let o = rule.evaluate(&SqsQueue::fixture("q"), &ctx);
            assert_eq!(o.status, Status::Pass, "{}: {}", m.id, o.reason);
        }
    }
}
