//! secrets-audit: the Lambda that audits Secrets Manager on a schedule and on Config change
//! events, and sends its findings to the findings queue. Wiring only: the port is in
//! `handler`, the rest in `ztscan::lambda`. Its role can list and describe secrets and read
//! their resource policies, never their values.

mod handler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ztscan::lambda::run(handler::SecretsAudit::new).await
}
