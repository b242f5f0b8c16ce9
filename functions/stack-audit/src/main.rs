//! stack-audit: the Lambda that audits CloudFormation stacks on a schedule and on Config change
//! events, and sends its findings to the findings queue. Its role can describe stacks and read
//! template summaries, never change a stack.
//!
//! Wiring only: the audit is described once in the registry
//! (`ztscan::audit::cloudformation::AUDIT`); settings, events and queueing are in `ztscan::lambda`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ztscan::lambda::run(&ztscan::audit::cloudformation::AUDIT).await
}
