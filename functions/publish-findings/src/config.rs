//! The function's configuration, read once from the environment at cold start.

use ztscan::model::{Severity, UnknownSeverity};

/// Optional: the Security Hub product to import into. Default: the account's default product.
pub const PRODUCT_ARN_VAR: &str = "FINDINGS_PRODUCT_ARN";
/// Optional: the SNS topic for alerts. Unset or empty: no alerts.
pub const ALERT_TOPIC_VAR: &str = "ALERT_TOPIC_ARN";
/// Optional: the lowest severity that alerts. Default: HIGH.
pub const MIN_ALERT_SEVERITY_VAR: &str = "MIN_ALERT_SEVERITY";
/// Set by Lambda: the region findings are imported into.
pub const REGION_VAR: &str = "AWS_REGION";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub product_arn: Option<String>,
    pub alert_topic_arn: Option<String>,
    pub min_alert_severity: Severity,
    /// Where Security Hub is called; the region of the default product ARN.
    pub region: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{var}: {source}")]
    InvalidSeverity {
        var: &'static str,
        #[source]
        source: UnknownSeverity,
    },
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
        Ok(Self {
            product_arn: set(PRODUCT_ARN_VAR),
            alert_topic_arn: set(ALERT_TOPIC_VAR),
            min_alert_severity,
            region: set(REGION_VAR),
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
            Config { product_arn: None, alert_topic_arn: None, min_alert_severity: Severity::High, region: None }
        );
        assert_eq!(config(&[(ALERT_TOPIC_VAR, "")]).unwrap().alert_topic_arn, None);
    }

    #[test]
    fn reads_every_variable() {
        let c = config(&[
            (PRODUCT_ARN_VAR, "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"),
            (ALERT_TOPIC_VAR, "arn:aws:sns:us-east-1:123456789012:alerts"),
            (MIN_ALERT_SEVERITY_VAR, "critical"),
            (REGION_VAR, "eu-west-1"),
        ])
        .unwrap();
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
}
