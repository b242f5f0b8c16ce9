//! SNS rules: encryption at rest, exposure and transport of each topic, and the delivery
//! protocol of its subscriptions. Every rule reads only `GetTopicAttributes` and the topic's
//! subscriptions; none reads a message.

use crate::resources::messaging::SnsTopic;

use super::Rule;

mod no_http_subscriptions;
mod topic_encrypted;
mod topic_not_public;
mod topic_requires_tls;

pub use no_http_subscriptions::NoHttpSubscriptions;
pub use topic_encrypted::TopicEncrypted;
pub use topic_not_public::TopicNotPublic;
pub use topic_requires_tls::TopicRequiresTls;

/// Rules evaluated once per topic.
pub static TOPIC_RULES: &[&dyn Rule<Resource = SnsTopic>] =
    &[&TopicEncrypted, &TopicNotPublic, &TopicRequiresTls, &NoHttpSubscriptions];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ScanContext;
    use crate::model::{Status, Trigger};

    #[test]
    fn every_topic_rule_is_a_change_triggered_topic_rule_that_passes_the_fixture() {
        assert_eq!(TOPIC_RULES.len(), 4);
        let ctx = ScanContext::fixture();
        for rule in TOPIC_RULES {
            let m = rule.meta();
            assert!(m.id.starts_with("sns."), "{}", m.id);
            assert_eq!(m.resource_type, "AwsSnsTopic", "{}", m.id);
            assert_eq!(m.trigger, Trigger::Change, "{}", m.id);
            let o = rule.evaluate(&SnsTopic::fixture("t"), &ctx);
            assert_eq!(o.status, Status::Pass, "{}: {}", m.id, o.reason);
        }
    }
}
