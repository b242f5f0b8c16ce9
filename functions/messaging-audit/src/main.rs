//! messaging-audit: the Lambda that audits the region's SNS topics, SQS queues and EventBridge
//! event buses on a schedule and on Config change events, and sends its findings to the
//! findings queue. Wiring only: the port is in `handler`, the rest in `ztscan::lambda`. Its
//! role reads topic, subscription, queue and bus attributes and policies; it never reads or
//! sends messages.

mod handler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ztscan::lambda::run(handler::MessagingAudit::new).await
}
