//! s3-audit: the Lambda that audits S3 on a schedule and on Config change events, and sends
//! its findings to the findings queue. Wiring only: the port is in `handler`, the rest in
//! `ztscan::lambda`.

mod handler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ztscan::lambda::run(handler::S3Audit::new).await
}
