//! publish-findings: the Lambda that consumes the findings queue, imports the findings into
//! Security Hub, archives those of vanished resources, alerts on new failures (SNS, and the
//! alert webhook whose URL is read from Secrets Manager) and dead-letters what Security Hub
//! refuses for good. Wiring only; the logic is in `handler`.

mod handler;

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use ztscan::context::partition_for;
use ztscan::publish::members::AccountRouter;
use ztscan::publish::outbox::SqsOutbox;
use ztscan::publish::webhook::{HttpWebhookSender, RetryPolicy, WebhookForwarder};
use ztscan::publish::{securityhub::SecurityHubStore, sns::SnsAlerter};
use ztscan::secret_store::{SecretCache, SecretsManagerSource};
use ztscan::settings::{MemberAccounts, PublisherSettings};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt().json().with_env_filter(ztscan::lambda::log_filter()).without_time().init();
    let config = PublisherSettings::from_env()?;
    // The template always sets it (tests/tests/stack_zero_trust.rs); unset is a local stack's
    // choice, said loudly at every cold start.
    if config.audit_role_ids.is_empty() {
        tracing::error!(
            variable = "AUDIT_ROLE_IDS",
            "not set: the senders of findings messages are NOT checked, so anyone who may send to the queue can forge findings"
        );
    }
    // Paced at the built-in rates (Security Hub BatchImportFindings: 10 per second).
    let sdk =
        ztscan::collect::aws::load_paced_sdk_config(None, ztscan::collect::pace::SHARED_RATES, &Default::default())
            .await;
    // Hub mode: each member account's findings are imported with that member's publish role,
    // the external id read from Secrets Manager here, once, and each session limited to the
    // Security Hub import.
    let members = MemberAccounts::from_lookup(|name| std::env::var(name).ok(), None)?;
    let secrets = SecretsManagerSource::new(aws_sdk_secretsmanager::Client::new(&sdk));
    let external_id = ztscan::secret_store::member_external_id(&secrets, &members)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cold start failed: the member external id cannot be read"))?;
    let access = members.access(external_id, "publish-findings", ztscan::publish::securityhub::IAM_ACTIONS)?;
    let partition = sdk.region().map(|r| partition_for(r.as_ref())).unwrap_or("aws");
    let mut member_stores = Vec::new();
    for account in &access.accounts {
        let member_sdk = access.sdk_config_for(&sdk, partition, account).await;
        member_stores.push((account.clone(), SecurityHubStore::new(aws_sdk_securityhub::Client::new(&member_sdk))));
    }
    let store = AccountRouter::new(SecurityHubStore::new(aws_sdk_securityhub::Client::new(&sdk)), member_stores);
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
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let dead_letters = config.dead_letter_queue_url.clone().map(|url| SqsOutbox::new(sqs.clone(), url));
    let alert_retries = config.findings_queue_url.clone().map(|url| SqsOutbox::new(sqs, url));
    let publisher = handler::Publisher::new(store, alerter, config)
        .with_forwarder(webhook)
        .with_outboxes(dead_letters, alert_retries);
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| publisher.handle(event))).await
}
