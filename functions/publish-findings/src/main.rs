//! publish-findings: the Lambda that consumes the findings queue, imports the findings into
//! Security Hub, archives those of vanished resources and alerts on new failures. Wiring
//! only; the logic is in `handler`.

mod config;
mod handler;

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use tracing_subscriber::EnvFilter;
use ztscan::publish::{securityhub::SecurityHubStore, sns::SnsAlerter};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .without_time()
        .init();
    let config = config::Config::from_env()?;
    let sdk = ztscan::collect::aws::load_sdk_config(None).await;
    let store = SecurityHubStore::new(aws_sdk_securityhub::Client::new(&sdk));
    let alerter = config.alert_topic_arn.clone().map(|topic| SnsAlerter::new(aws_sdk_sns::Client::new(&sdk), topic));
    let publisher = handler::Publisher::new(store, alerter, config);
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| publisher.handle(event))).await
}
