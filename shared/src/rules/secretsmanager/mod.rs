//! Secrets Manager rules: rotation, staleness, use, encryption and exposure of each secret.
//! Every rule reads only metadata (`ListSecrets`/`DescribeSecret`) and the resource policy;
//! none needs a secret's value.

use chrono::{DateTime, Utc};

use crate::resources::secretsmanager::Secret;

use super::Rule;

mod encrypted_with_cmk;
mod policy_not_public;
mod rotated_recently;
mod rotation_enabled;
mod secret_used;

pub use encrypted_with_cmk::EncryptedWithCmk;
pub use policy_not_public::PolicyNotPublic;
pub use rotated_recently::RotatedRecently;
pub use rotation_enabled::RotationEnabled;
pub use secret_used::SecretUsed;

/// Rules evaluated once per secret.
pub static SECRET_RULES: &[&dyn Rule<Resource = Secret>] =
    &[&RotationEnabled, &RotatedRecently, &SecretUsed, &EncryptedWithCmk, &PolicyNotPublic];

/// Whole days from `then` to `now` (0 when `then` is in the future).
fn days_since(then: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - then).num_days().max(0)
}

/// A date as a finding shows it (`2026-11-01`).
fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ScanContext;
    use crate::model::{Status, Trigger};

    #[test]
    fn every_secret_rule_is_a_change_triggered_secret_rule() {
        assert_eq!(SECRET_RULES.len(), 5);
        for rule in SECRET_RULES {
            let m = rule.meta();
            assert!(m.id.starts_with("secretsmanager."), "{}", m.id);
            assert_eq!(m.resource_type, "AwsSecretsManagerSecret", "{}", m.id);
            assert_eq!(m.trigger, Trigger::Change, "{}", m.id);
        }
    }

    #[test]
    fn every_secret_rule_passes_on_the_fixture() {
        let ctx = ScanContext::fixture();
        let secret = Secret::fixture("s");
        for rule in SECRET_RULES {
            let o = rule.evaluate(&secret, &ctx);
            assert_eq!(o.status, Status::Pass, "{}: {}", rule.meta().id, o.reason);
        }
    }

    #[test]
    fn days_are_whole_and_never_negative() {
        let now = ScanContext::fixture().now;
        assert_eq!(days_since(now - chrono::Duration::hours(47), now), 1);
        assert_eq!(days_since(now + chrono::Duration::days(3), now), 0);
        assert_eq!(day(now), "2026-11-01");
    }
}
