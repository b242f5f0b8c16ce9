//! account-audit: the Lambda that audits the account's security baseline in every enabled
//! region (the `account.*` controls: CloudTrail, GuardDuty, Config, Security Hub, Access
//! Analyzer, Inspector, KMS rotation) on a daily schedule and on Config change events, and
//! sends its findings to the findings queue. Wiring only: the port is in `handler`, the rest
//! in `ztscan::lambda`.

mod handler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ztscan::lambda::run(handler::AccountAudit::new).await
}
