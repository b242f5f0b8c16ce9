//! Lambda rules: one file per control of the catalogue's Lambda section, all evaluated once per
//! function (its unqualified `$LATEST`, see `resources::lambda`), plus the managed-runtime table
//! `lambda.supported-runtime` reads.

use crate::resources::lambda::{LambdaFunction, LayerVersion};

use super::Rule;

mod code_signing_enforced;
mod env_encrypted_with_cmk;
mod has_failure_destination;
mod has_required_tags;
mod in_vpc;
mod layer_not_public;
mod no_cross_account_layers;
mod no_secrets_in_env;
mod not_public;
mod reserved_concurrency_set;
pub mod runtimes;
mod service_invoke_has_source_condition;
mod supported_runtime;
mod tracing_enabled;
mod url_cors_restricted;
mod url_requires_auth;
mod vpc_multi_az;

pub use code_signing_enforced::CodeSigningEnforced;
pub use env_encrypted_with_cmk::EnvEncryptedWithCmk;
pub use has_failure_destination::HasFailureDestination;
pub use has_required_tags::HasRequiredTags;
pub use in_vpc::InVpc;
pub use layer_not_public::LayerNotPublic;
pub use no_cross_account_layers::NoCrossAccountLayers;
pub use no_secrets_in_env::NoSecretsInEnv;
pub use not_public::NotPublic;
pub use reserved_concurrency_set::ReservedConcurrencySet;
pub use service_invoke_has_source_condition::ServiceInvokeHasSourceCondition;
pub use supported_runtime::SupportedRuntime;
pub use tracing_enabled::TracingEnabled;
pub use url_cors_restricted::UrlCorsRestricted;
pub use url_requires_auth::UrlRequiresAuth;
pub use vpc_multi_az::VpcMultiAz;

/// Rules evaluated once per function, in catalogue order.
pub static FUNCTION_RULES: &[&dyn Rule<Resource = LambdaFunction>] = &[
    &NoSecretsInEnv,
    &NotPublic,
    &ServiceInvokeHasSourceCondition,
    &UrlRequiresAuth,
    &SupportedRuntime,
    &InVpc,
    &VpcMultiAz,
    &ReservedConcurrencySet,
    &CodeSigningEnforced,
    &EnvEncryptedWithCmk,
    &HasRequiredTags,
    &HasFailureDestination,
    &TracingEnabled,
    &NoCrossAccountLayers,
    &UrlCorsRestricted,
];

/// Rules evaluated once per version of a layer the account owns.
pub static LAYER_RULES: &[&dyn Rule<Resource = LayerVersion>] = &[&LayerNotPublic];

pub(crate) use super::policy_checks::{describe_actions, statement_label};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ScanContext;
    use crate::model::{Status, Trigger};
    use crate::policy::PolicyDocument;

    #[test]
    fn every_function_rule_is_a_change_triggered_function_rule() {
        assert_eq!(FUNCTION_RULES.len(), 15);
        for rule in FUNCTION_RULES {
            let m = rule.meta();
            assert!(m.id.starts_with("lambda."), "{}", m.id);
            assert_eq!(m.resource_type, "AwsLambdaFunction", "{}", m.id);
            assert_eq!(m.trigger, Trigger::Change, "{}", m.id);
        }
    }

    #[test]
    fn every_function_rule_passes_on_the_fixture_or_does_not_apply() {
        let ctx = ScanContext::fixture();
        let function = LambdaFunction::fixture("f");
        for rule in FUNCTION_RULES {
            let o = rule.evaluate(&function, &ctx);
            assert!(
                matches!(o.status, Status::Pass | Status::NotApplicable),
                "{}: {} ({})",
                rule.meta().id,
                o.status,
                o.reason
            );
        }
    }

    #[test]
    fn statement_labels_use_sid_or_position() {
        let doc = PolicyDocument::parse(
            r#"{"Statement":[{"Sid":"Named","Effect":"Allow","Action":"*"},{"Effect":"Allow","Action":["a:B","c:D"]}]}"#,
        )
        .unwrap();
        assert_eq!(statement_label(&doc, &doc.statements[0]), "\"Named\"");
        assert_eq!(statement_label(&doc, &doc.statements[1]), "Statement[1]");
        assert_eq!(describe_actions(&doc.statements[1]), "a:B, c:D");
    }
}
