//! s3-audit: the Lambda that audits S3 on a schedule and on Config change events, and sends its
//! findings to the findings queue. Wiring only: the port is in `handler`, the rest in
//! `ztscan::lambda`.

mod handler;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use ztscan::lambda::{Handler, Settings};
use ztscan::publish::sqs::SqsFindingsQueue;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .without_time()
        .init();
    let settings = Settings::from_env()?;
    let sdk = ztscan::collect::aws::load_sdk_config(None).await;
    let audit = handler::S3Audit::new(&sdk, &settings.config);
    let mut queue = SqsFindingsQueue::new(aws_sdk_sqs::Client::new(&sdk), settings.queue_url.clone());
    if let Some(delay) = settings.completion_delay {
        queue = queue.with_completion_delay(delay);
    }
    let handler = Handler { audit, queue, settings };
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| handler.handle(event))).await
}
