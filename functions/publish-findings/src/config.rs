//! The function's configuration, read once from the environment at cold start.

use std::time::Duration;

use ztscan::model::{Severity, UnknownSeverity};

/// Optional: the Security Hub product to import into. Default: the account's default product.
pub const PRODUCT_ARN_VAR: &str = "FINDINGS_PRODUCT_ARN";
/// Optional: the SNS topic for alerts. Unset or empty: no alerts.
pub const ALERT_TOPIC_VAR: &str = "ALERT_TOPIC_ARN";
/// Optional: the lowest severity that alerts. Default: HIGH.
pub const MIN_ALERT_SEVERITY_VAR: &str = "MIN_ALERT_SEVERITY";
/// Optional: the id (name or ARN) of the Secrets Manager secret holding the alert webhook's URL
/// (see `ztscan::publish::webhook`). Unset or empty: no webhook. Never the URL itself.
pub const ALERT_WEBHOOK_SECRET_ID_VAR: &str = "ALERT_WEBHOOK_SECRET_ID";
/// Optional: how long a secret read from Secrets Manager is used, in seconds. Default: 300.
pub const SECRET_CACHE_TTL_VAR: &str = "SECRET_CACHE_TTL_SECONDS";
/// The longest secret cache TTL accepted (a day).
pub const MAX_SECRET_CACHE_TTL_SECONDS: u64 = 86_400;
/// Optional: the findings dead-letter queue, where findings Security Hub refuses for a lasting
/// cause go at once. Unset: they wait for the findings queue's own redrive.
pub const DEAD_LETTER_QUEUE_URL_VAR: &str = "FINDINGS_DLQ_URL";
/// Optional: the findings queue itself, where an alert whose channels failed is queued to be
/// retried on its own. Unset: such an alert fails its records.
pub const FINDINGS_QUEUE_URL_VAR: &str = "FINDINGS_QUEUE_URL";
/// Set by Lambda: the region findings are imported into.
pub const REGION_VAR: &str = "AWS_REGION";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub product_arn: Option<String>,
    pub alert_topic_arn: Option<String>,
    pub min_alert_severity: Severity,
    /// The Secrets Manager secret id of the alert webhook; `None`: no webhook.
    pub alert_webhook_secret_id: Option<String>,
    /// How long a fetched secret is used.
    pub secret_cache_ttl: Duration,
    /// Where Security Hub is called; the region of the default product ARN.
    pub region: Option<String>,
    pub dead_letter_queue_url: Option<String>,
    pub findings_queue_url: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{var}: {source}")]
    InvalidSeverity {
        var: &'static str,
        #[source]
        source: UnknownSeverity,
    },
    #[error("{var}: expected a whole number of seconds from 1 to {max}, found {value:?}")]
    InvalidTtl { var: &'static str, value: String, max: u64 },
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The configuration from `var`, which looks a variable up by name. Empty values count as
    /// unset (templates often pass `""` for "none").
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let min_alert_severity = match set(MIN_ALERT_SEVERITY_VAR) {
            Some(s) => {
                s.parse().map_err(|source| ConfigError::InvalidSeverity { var: MIN_ALERT_SEVERITY_VAR, source })?
            }
            None => Severity::High,
        };
        let secret_cache_ttl = match set(SECRET_CACHE_TTL_VAR) {
            Some(s) => match s.trim().parse::<u64>() {
                Ok(n) if (1..=MAX_SECRET_CACHE_TTL_SECONDS).contains(&n) => Duration::from_secs(n),
                _ => {
                    return Err(ConfigError::InvalidTtl {
                        var: SECRET_CACHE_TTL_VAR,
                        value: s,
                        max: MAX_SECRET_CACHE_TTL_SECONDS,
                    })
                }
            },
            None => ztscan::secret_store::DEFAULT_TTL,
        };
        Ok(Self {
            product_arn: set(PRODUCT_ARN_VAR),
            alert_topic_arn: set(ALERT_TOPIC_VAR),
            min_alert_severity,
            alert_webhook_secret_id: set(ALERT_WEBHOOK_SECRET_ID_VAR).map(|s| s.trim().to_string()),
            secret_cache_ttl,
            region: set(REGION_VAR),
            dead_letter_queue_url: set(DEAD_LETTER_QUEUE_URL_VAR).map(|s| s.trim().to_string()),
            findings_queue_url: set(FINDINGS_QUEUE_URL_VAR).map(|s| s.trim().to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_to_no_alerts_at_high_and_the_default_product() {
        assert_eq!(
            config(&[]).unwrap(),
            Config {
                product_arn: None,
                alert_topic_arn: None,
                min_alert_severity: Severity::High,
                alert_webhook_secret_id: None,
                secret_cache_ttl: Duration::from_secs(300),
                region: None,
                dead_letter_queue_url: None,
                findings_queue_url: None,
            }
        );
        assert_eq!(config(&[(ALERT_TOPIC_VAR, "")]).unwrap().alert_topic_arn, None);
        assert_eq!(config(&[(ALERT_WEBHOOK_SECRET_ID_VAR, " ")]).unwrap().alert_webhook_secret_id, None);
    }

    #[test]
    fn reads_every_variable() {
        let c = config(&[
            (PRODUCT_ARN_VAR, "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"),
            (ALERT_TOPIC_VAR, "arn:aws:sns:us-east-1:123456789012:alerts"),
            (MIN_ALERT_SEVERITY_VAR, "critical"),
            (REGION_VAR, "eu-west-1"),
            (ALERT_WEBHOOK_SECRET_ID_VAR, "arn:aws:secretsmanager:us-east-1:123456789012:secret:ztscan/webhook-AbCdEf"),
            (SECRET_CACHE_TTL_VAR, "60"),
            (DEAD_LETTER_QUEUE_URL_VAR, "https://sqs.us-east-1.amazonaws.com/123456789012/dlq"),
            (FINDINGS_QUEUE_URL_VAR, "https://sqs.us-east-1.amazonaws.com/123456789012/findings"),
        ])
        .unwrap();
        assert_eq!(c.dead_letter_queue_url.as_deref(), Some("https://sqs.us-east-1.amazonaws.com/123456789012/dlq"));
        assert_eq!(c.findings_queue_url.as_deref(), Some("https://sqs.us-east-1.amazonaws.com/123456789012/findings"));
        assert_eq!(
            c.alert_webhook_secret_id.as_deref(),
            Some("arn:aws:secretsmanager:us-east-1:123456789012:secret:ztscan/webhook-AbCdEf")
        );
        assert_eq!(c.secret_cache_ttl, Duration::from_secs(60));
        assert_eq!(c.min_alert_severity, Severity::Critical);
        assert_eq!(c.alert_topic_arn.as_deref(), Some("arn:aws:sns:us-east-1:123456789012:alerts"));
        assert_eq!(c.region.as_deref(), Some("eu-west-1"));
        assert!(c.product_arn.is_some());
    }

    #[test]
    fn an_unknown_severity_names_the_variable() {
        let err = config(&[(MIN_ALERT_SEVERITY_VAR, "severe")]).unwrap_err();
        assert!(err.to_string().starts_with("MIN_ALERT_SEVERITY: unknown severity \"severe\""), "{err}");
    }

    #[test]
    fn a_bad_secret_cache_ttl_names_the_variable() {
        for bad in ["0", "-5", "5m", "86401"] {
            let err = config(&[(SECRET_CACHE_TTL_VAR, bad)]).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("SECRET_CACHE_TTL_SECONDS: expected a whole number of seconds from 1 to 86400, found {bad:?}")
            );
        }
    }
}
