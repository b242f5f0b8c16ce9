//! publish-findings: the Lambda that consumes the findings queue, imports the findings into
//! Security Hub, archives those of vanished resources and alerts on new failures (SNS, and the
//! alert webhook whose URL is read from Secrets Manager). Wiring only; the logic is in
//! `handler`.

mod config;
mod handler;

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use ztscan::publish::webhook::{HttpWebhookSender, RetryPolicy, WebhookForwarder};
use ztscan::publish::{securityhub::SecurityHubStore, sns::SnsAlerter};
use ztscan::secret_store::{SecretCache, SecretsManagerSource};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt().json().with_env_filter(ztscan::lambda::log_filter()).without_time().init();
    let config = config::Config::from_env()?;
    let sdk = ztscan::collect::aws::load_sdk_config(None).await;
    let store = SecurityHubStore::new(aws_sdk_securityhub::Client::new(&sdk));
    let alerter = config.alert_topic_arn.clone().map(|topic| SnsAlerter::new(aws_sdk_sns::Client::new(&sdk), topic));
    // Off unless a secret id is configured; the secret itself is read on the first alert.
    let webhook = match &config.alert_webhook_secret_id {
        Some(id) => {
            let secrets = SecretsManagerSource::new(aws_sdk_secretsmanager::Client::new(&sdk));
            let cache = SecretCache::new(secrets).ttl(config.secret_cache_ttl);
            Some(WebhookForwarder::new(cache, id.clone(), HttpWebhookSender::new(RetryPolicy::default())?))
        }
        None => None,
    };
    let publisher = handler::Publisher::new(store, alerter, config).with_forwarder(webhook);
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| publisher.handle(event))).await
}
