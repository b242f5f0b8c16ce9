//! api-audit: the Lambda that audits the front doors (API Gateway REST, HTTP and WebSocket APIs,
//! their custom domain names, Cognito user and identity pools) on a schedule and on Config change
//! events, and sends its findings to the findings queue. Its role only reads configuration.
//!
//! Wiring only: the audit is described once in the registry (`ztscan::audit::api::AUDIT`);
//! settings, events and queueing are in `ztscan::lambda`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ztscan::lambda::run(&ztscan::audit::api::AUDIT).await
}
