//! s3-audit: the Lambda that audits S3 on a schedule and on Config change events, and sends
//! its findings to the findings queue.
//!
//! Wiring only: the audit is described once in the registry (`ztscan::audit::s3::AUDIT`);
//! settings, events and queueing are in `ztscan::lambda`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ztscan::lambda::run(&ztscan::audit::s3::AUDIT).await
}
