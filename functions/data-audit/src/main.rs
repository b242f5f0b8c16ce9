//! data-audit: the Lambda that audits DynamoDB tables, KMS key policies, SSM parameters and the
//! functions' log groups on a schedule and on Config change events, and sends its findings to the
//! findings queue. Its role reads metadata, policies and plain-text parameter values (which it
//! drops after the secret detector), never a table item or a decrypted value.
//!
//! Wiring only: the audit is described once in the registry (`ztscan::audit::data::AUDIT`);
//! settings, events and queueing are in `ztscan::lambda`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ztscan::lambda::run(&ztscan::audit::data::AUDIT).await
}
