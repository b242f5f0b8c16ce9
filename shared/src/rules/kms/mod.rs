//! KMS rules over each key of the region: who its key policy lets in, and whether it is about to
//! be deleted. AWS-managed keys (`aws/<service>`) are NOT_APPLICABLE: their policy and lifecycle
//! are AWS's. Key rotation stays the account audit's (`account.kms-rotation-enabled`).

use crate::resources::data::KeyWithPolicy;

use super::Rule;

mod key_not_pending_deletion;
mod key_policy_not_public;

pub use key_not_pending_deletion::KeyNotPendingDeletion;
pub use key_policy_not_public::KeyPolicyNotPublic;

/// Rules evaluated once per key.
pub static KEY_RULES: &[&dyn Rule<Resource = KeyWithPolicy>] = &[&KeyPolicyNotPublic, &KeyNotPendingDeletion];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ScanContext;
    use crate::model::{Status, Trigger};
    use crate::resources::data::AWS_MANAGED;

    #[test]
    fn every_key_rule_is_change_triggered_passes_on_the_fixture_and_skips_aws_managed_keys() {
        let ctx = ScanContext::fixture();
        let mut aws = KeyWithPolicy::fixture("k");
        if let Ok(d) = aws.description.as_mut() {
            d.manager = AWS_MANAGED.into();
        }
        for rule in KEY_RULES {
            let m = rule.meta();
            assert!(m.id.starts_with("kms."), "{}", m.id);
            assert_eq!((m.resource_type, m.trigger), ("AwsKmsKey", Trigger::Change), "{}", m.id);
            let o = rule.evaluate(&KeyWithPolicy::fixture("k"), &ctx);
            assert_eq!(o.status, Status::Pass, "{}: {}", m.id, o.reason);
            assert_eq!(rule.evaluate(&aws, &ctx).status, Status::NotApplicable, "{}", m.id);
        }
    }
}
