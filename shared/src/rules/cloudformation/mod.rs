//! CloudFormation rules: termination protection, event notifications and secrets in the
//! outputs and parameters of each stack. Every rule reads only what `DescribeStacks` and
//! `GetTemplateSummary` return, with values already reduced to names and detections.

use crate::resources::cloudformation::Stack;

use super::Rule;

mod no_secrets_in_outputs;
mod notifies_sns;
mod termination_protection_enabled;

pub use no_secrets_in_outputs::NoSecretsInOutputs;
pub use notifies_sns::NotifiesSns;
pub use termination_protection_enabled::TerminationProtectionEnabled;

/// Rules evaluated once per stack.
pub static STACK_RULES: &[&dyn Rule<Resource = Stack>] =
    &[&TerminationProtectionEnabled, &NotifiesSns, &NoSecretsInOutputs];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ScanContext;
    use crate::model::{Status, Trigger};

    #[test]
    fn every_stack_rule_is_a_change_triggered_stack_rule() {
        assert_eq!(STACK_RULES.len(), 3);
        for rule in STACK_RULES {
            let m = rule.meta();
            assert!(m.id.starts_with("cloudformation."), "{}", m.id);
            assert_eq!(m.resource_type, "AwsCloudFormationStack", "{}", m.id);
            assert_eq!(m.trigger, Trigger::Change, "{}", m.id);
        }
    }

    #[test]
    fn every_stack_rule_passes_on_the_fixture() {
        let ctx = ScanContext::fixture();
        let stack = Stack::fixture("app");
        for rule in STACK_RULES {
            let o = rule.evaluate(&stack, &ctx);
            assert_eq!(o.status, Status::Pass, "{}: {}", rule.meta().id, o.reason);
        }
    }
}
