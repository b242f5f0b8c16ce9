//! network-audit: the Lambda that audits the region's security groups and VPCs (the `ec2.*`
//! controls) on a schedule and on Config change events, and sends its findings to the findings
//! queue. Wiring only: the port is in `handler`, the rest in `ztscan::lambda`.

mod handler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ztscan::lambda::run(handler::NetworkAudit::new).await
}
