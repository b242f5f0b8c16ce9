//! account-audit: the Lambda that audits the account's security baseline in every enabled
//! region (the `account.*` controls: CloudTrail, GuardDuty, Config, Security Hub, Access
//! Analyzer, Inspector, KMS rotation) on a daily schedule and on Config change events, and
//! sends its findings to the findings queue.
//!
//! Wiring only: the audit is described once in the registry (`ztscan::audit::account::AUDIT`);
//! settings, events and queueing are in `ztscan::lambda`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ztscan::lambda::run(&ztscan::audit::account::AUDIT).await
}
