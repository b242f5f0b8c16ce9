//! The scan context passed to every rule: who and where is being scanned, when, and with
//! which configuration. Rules read the clock only from here, so they stay pure.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::scan_config::ScanConfig;

#[derive(Debug, Clone)]
pub struct ScanContext {
    pub account: String,
    pub partition: String,
    /// The region the scan runs in (resources carry their own region).
    pub region: String,
    pub now: DateTime<Utc>,
    pub config: Arc<ScanConfig>,
}

impl ScanContext {
    pub fn new(account: impl Into<String>, region: impl Into<String>, now: DateTime<Utc>, config: ScanConfig) -> Self {
        let region = region.into();
        Self {
            account: account.into(),
            partition: partition_for(&region).to_string(),
            region,
            now,
            config: Arc::new(config),
        }
    }

    /// A context for unit tests: account 123456789012, us-east-1, a fixed clock, defaults.
    pub fn fixture() -> Self {
        let now =
            DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").map(|d| d.with_timezone(&Utc)).unwrap_or_default();
        Self::new("123456789012", "us-east-1", now, ScanConfig::default())
    }

    /// Who counts as inside for resource-policy rules: the scanned account, its organisation and
    /// the configured trusted accounts.
    pub fn trust(&self) -> crate::policy::Trust<'_> {
        crate::policy::Trust {
            account: &self.account,
            organization_id: self.config.organization_id.as_deref(),
            trusted_accounts: &self.config.trusted_accounts,
        }
    }

    /// True when `account` is the scanned account or a configured trusted account.
    pub fn is_trusted_account(&self, account: &str) -> bool {
        account == self.account || self.config.trusted_accounts.iter().any(|a| a == account)
    }
}

/// The ARN partition of a region.
pub fn partition_for(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}
