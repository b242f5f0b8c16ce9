//! The IAM actions each deployed function needs, derived from the collectors and publishers it
//! wires together. `template.yaml` must grant each function's role exactly these (a test in
//! `tests/` compares them).

use crate::{collect, publish, secret_store};

/// Actions every function needs to write its own logs (scoped in the template to the
/// function's own log group).
pub const LOGGING_ACTIONS: &[&str] = &["logs:CreateLogStream", "logs:PutLogEvents"];

/// The IAM actions of a function, by its crate name, or `None` for an unknown function.
pub fn for_function(name: &str) -> Option<Vec<&'static str>> {
    let mut actions: Vec<&'static str> = match name {
        "s3-audit" => [collect::s3::IAM_ACTIONS, publish::sqs::SEND_ACTIONS].concat(),
        "iam-audit" => [collect::iam::IAM_ACTIONS, publish::sqs::SEND_ACTIONS].concat(),
        "lambda-audit" => [collect::lambda::IAM_ACTIONS, publish::sqs::SEND_ACTIONS].concat(),
        "secrets-audit" => [collect::secretsmanager::IAM_ACTIONS, publish::sqs::SEND_ACTIONS].concat(),
        "network-audit" => [collect::network::IAM_ACTIONS, publish::sqs::SEND_ACTIONS].concat(),
        "stack-audit" => [collect::cloudformation::IAM_ACTIONS, publish::sqs::SEND_ACTIONS].concat(),
        "messaging-audit" => [collect::messaging::IAM_ACTIONS, publish::sqs::SEND_ACTIONS].concat(),
        // The alert webhook's secret (`secret_store::IAM_ACTIONS`): granted by the template only
        // when a secret is configured; its optional KMS key needs `kms:Decrypt`, already in
        // `publish::sns::IAM_ACTIONS`.
        "publish-findings" => [
            publish::sqs::CONSUME_ACTIONS,
            publish::securityhub::IAM_ACTIONS,
            publish::sns::IAM_ACTIONS,
            secret_store::IAM_ACTIONS,
        ]
        .concat(),
        _ => return None,
    };
    actions.extend_from_slice(LOGGING_ACTIONS);
    actions.sort_unstable();
    actions.dedup();
    Some(actions)
}
