//! messaging-audit: the Lambda that audits the region's SNS topics, SQS queues and EventBridge
//! event buses on a schedule and on Config change events, and sends its findings to the
//! findings queue. Its role reads topic, subscription, queue and bus attributes and policies;
//! it never reads or sends messages.
//!
//! Wiring only: the audit is described once in the registry (`ztscan::audit::messaging::AUDIT`);
//! settings, events and queueing are in `ztscan::lambda`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ztscan::lambda::run(&ztscan::audit::messaging::AUDIT).await
}
