//! stack-audit: the Lambda that audits CloudFormation stacks on a schedule and on Config change
//! events, and sends its findings to the findings queue. Wiring only: the port is in
//! `handler`, the rest in `ztscan::lambda`. Its role can describe stacks and read template
//! summaries, never change a stack.

mod handler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ztscan::lambda::run(handler::StackAudit::new).await
}
