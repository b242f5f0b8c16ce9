//! network-audit: the Lambda that audits the region's security groups and VPCs (the `ec2.*`
//! controls) on a schedule and on Config change events, and sends its findings to the findings
//! queue.
//!
//! Wiring only: the audit is described once in the registry (`ztscan::audit::network::AUDIT`);
//! settings, events and queueing are in `ztscan::lambda`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ztscan::lambda::run(&ztscan::audit::network::AUDIT).await
}
