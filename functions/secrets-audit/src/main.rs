//! secrets-audit: the Lambda that audits Secrets Manager on a schedule and on Config change
//! events, and sends its findings to the findings queue. Its role can list and describe secrets
//! and read their resource policies, never their values.
//!
//! Wiring only: the audit is described once in the registry
//! (`ztscan::audit::secretsmanager::AUDIT`); settings, events and queueing are in `ztscan::lambda`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ztscan::lambda::run(&ztscan::audit::secretsmanager::AUDIT).await
}
