//! Scan configuration: thresholds, required tags and the tag conventions that opt resources
//! into stricter rules. Values are configuration, not constants; defaults follow the catalogue.

use serde::{Deserialize, Serialize};

/// A tag a resource can carry to opt into a rule (e.g. `data-classification=critical`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagMatch {
    pub key: String,
    /// `None` matches any value.
    pub value: Option<String>,
}

impl TagMatch {
    pub fn new(key: &str, value: Option<&str>) -> Self {
        Self { key: key.to_string(), value: value.map(str::to_string) }
    }

    /// True when `tags` carries this key (case-sensitive, as AWS tags are) and, if a value is
    /// set, that value (compared case-insensitively).
    pub fn matches(&self, tags: &std::collections::BTreeMap<String, String>) -> bool {
        match (tags.get(&self.key), &self.value) {
            (Some(_), None) => true,
            (Some(v), Some(want)) => v.eq_ignore_ascii_case(want),
            (None, _) => false,
        }
    }
}

/// Everything a rule may be configured with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScanConfig {
    /// Tag keys every taggable resource must carry.
    pub required_tags: Vec<String>,
    /// Days after which a permission, key or secret counts as unused or stale.
    pub unused_days: u32,
    pub max_rotation_days: u32,
    /// Buckets with this tag must have MFA delete (`s3.bucket-mfa-delete-enabled`).
    pub critical_tag: TagMatch,
    /// Buckets with this tag must be reachable only through a VPC endpoint.
    pub private_tag: TagMatch,
    /// Accounts trusted for cross-account access (besides the scanned account itself).
    pub trusted_accounts: Vec<String>,
    /// The AWS Organizations id (`o-...`) of the scanned account, when known: principals in it
    /// are not "outside the organisation".
    pub organization_id: Option<String>,
    /// Active access keys older than this, or unused for `unused_days`, fail
    /// `iam.access-keys-rotated`.
    pub access_key_max_age_days: u32,
    /// `iam.password-policy-strong`: minimum length and how many previous passwords are
    /// remembered (CIS 1.8 and 1.9: 14 and 24).
    pub min_password_length: u32,
    pub password_reuse_prevention: u32,
    /// Environment variable names (globs with `*` and `?`, case-insensitive) the secret
    /// detector skips (`lambda.no-secrets-in-env`, and stack outputs later). Use it for a
    /// variable known to hold a non-secret random-looking value, e.g. `BUILD_ID`.
    pub secret_ignore: Vec<String>,
    /// `lambda.in-vpc` is opt-in: off by default, since a function that reaches no private
    /// resource gains nothing from a VPC. When off, the rule reports NOT_APPLICABLE.
    pub require_lambda_vpc: bool,
    /// Accounts whose Lambda layers are trusted besides the scanned account and
    /// `trusted_accounts` (`lambda.no-cross-account-layers`), e.g. a vendor's layer account.
    pub trusted_layer_accounts: Vec<String>,
    /// Ports besides 22 and 3389 that `ec2.no-open-admin-ports` treats as administrative
    /// (remote shells, databases, caches, search, container and WinRM endpoints).
    pub admin_ports: Vec<u16>,
    /// Services (the last part of an endpoint service name, e.g. `s3` for
    /// `com.amazonaws.us-east-1.s3`) a VPC hosting Lambda functions must have a VPC endpoint
    /// for (`ec2.vpc-has-private-endpoints`).
    pub vpc_endpoint_services: Vec<String>,
    /// The regions the account audit checks (`account.*`); empty means every region enabled
    /// in the account (`ec2:DescribeRegions`).
    pub account_regions: Vec<String>,
    /// Page size for listings that support it; `None` lets the service choose.
    pub page_size: Option<i32>,
    /// Maximum concurrent API requests per collector.
    pub concurrency: usize,
    /// Client-side request rates (requests per second) over the built-in ones, keyed
    /// `service:Operation`, `service:*`, `service` or `*` (`collect::pace` documents the keys,
    /// the lookup order and the defaults), e.g. `{"lambda": 5, "lambda:GetPolicy": 5}`.
    pub api_rate_limits: std::collections::BTreeMap<String, u32>,
    /// Cognito user pools (names or ids, globs with `*` and `?`) whose users are administrators:
    /// `cognito.user-pool-mfa-required` fails them when MFA is only `OPTIONAL` (other pools pass
    /// with a note). Empty by default.
    pub admin_user_pools: Vec<String>,
    /// Cognito identity pools (names or ids, globs) meant to give guests credentials:
    /// `cognito.identity-pool-no-unauthenticated` passes them with a note. Empty by default.
    pub public_identity_pools: Vec<String>,
}

impl Default for ScanConfig {
    fn default() -> Self {
        Self {
            required_tags: vec!["owner".into(), "data-classification".into()],
            unused_days: 90,
            max_rotation_days: 90,
            critical_tag: TagMatch::new("data-classification", Some("critical")),
            private_tag: TagMatch::new("data-classification", Some("private")),
            trusted_accounts: Vec::new(),
            organization_id: None,
            access_key_max_age_days: 90,
            min_password_length: 14,
            password_reuse_prevention: 24,
            secret_ignore: Vec::new(),
            require_lambda_vpc: false,
            trusted_layer_accounts: Vec::new(),
            admin_ports: DEFAULT_ADMIN_PORTS.to_vec(),
            vpc_endpoint_services: vec!["s3".into(), "secretsmanager".into()],
            account_regions: Vec::new(),
            page_size: None,
            concurrency: 16,
            api_rate_limits: std::collections::BTreeMap::new(),
            admin_user_pools: Vec::new(),
            public_identity_pools: Vec::new(),
        }
    }
}

/// The default `admin_ports`: telnet, SMB, MySQL, PostgreSQL, SQL Server, Oracle, Redis,
/// Elasticsearch/OpenSearch, MongoDB, the Docker daemon and WinRM. 22 and 3389 are always
/// admin ports and need not be listed.
pub const DEFAULT_ADMIN_PORTS: &[u16] = &[23, 445, 1433, 1521, 2375, 2376, 3306, 5432, 5985, 5986, 6379, 9200, 27017];

/// A configuration document that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("configuration value {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

impl ScanConfig {
    /// Parse a JSON configuration document; missing fields take their defaults.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let cfg: ScanConfig = serde_json::from_str(text)?;
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.concurrency == 0 {
            return Err(ConfigError::Invalid { name: "concurrency", reason: "must be at least 1".into() });
        }
        if let Some(bad) = self.secret_ignore.iter().find(|p| p.trim().is_empty()) {
            return Err(ConfigError::Invalid { name: "secret_ignore", reason: format!("empty pattern {bad:?}") });
        }
        if let Some(bad) = self.trusted_layer_accounts.iter().find(|a| !is_account_id(a)) {
            return Err(ConfigError::Invalid {
                name: "trusted_layer_accounts",
                reason: format!("{bad:?} is not a 12-digit account id"),
            });
        }
        if self.admin_ports.contains(&0) {
            return Err(ConfigError::Invalid { name: "admin_ports", reason: "port 0 is not a port".into() });
        }
        if let Some(bad) =
            self.vpc_endpoint_services.iter().find(|s| s.trim().is_empty() || s.contains(char::is_whitespace))
        {
            return Err(ConfigError::Invalid {
                name: "vpc_endpoint_services",
                reason: format!("{bad:?} is not a service name"),
            });
        }
        if let Some(bad) = self.account_regions.iter().find(|r| !is_region_name(r)) {
            return Err(ConfigError::Invalid {
                name: "account_regions",
                reason: format!("{bad:?} is not a region name such as eu-west-1"),
            });
        }
        if let Some((key, rate)) = self.api_rate_limits.iter().find(|(k, v)| **v == 0 || !is_valid_rate_key(k)) {
            return Err(ConfigError::Invalid {
                name: "api_rate_limits",
                reason: format!(
                    "{key:?}: {rate} must be a rate of at least 1 request per second for a key such as \"lambda\", \"ec2:*\" or \"lambda:GetPolicy\""
                ),
            });
        }
        for (name, pools) in
            [("admin_user_pools", &self.admin_user_pools), ("public_identity_pools", &self.public_identity_pools)]
        {
            if let Some(bad) = pools.iter().find(|p| p.trim().is_empty()) {
                return Err(ConfigError::Invalid { name, reason: format!("empty pool name {bad:?}") });
            }
        }
        if let Some(p) = self.page_size {
            if !(1..=10_000).contains(&p) {
                return Err(ConfigError::Invalid { name: "page_size", reason: format!("{p} is outside 1..=10000") });
            }
        }
        Ok(())
    }
}

/// A region name: lower-case letters, digits and hyphens, with a hyphen (`us-east-1`).
fn is_region_name(s: &str) -> bool {
    !s.is_empty()
        && s.contains('-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `key` is a rate key `collect::pace` understands: `*`, `service`, `service:*` or
/// `service:Operation`, with a lower-case service name.
pub fn is_valid_rate_key(key: &str) -> bool {
    let service_ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    match key.split_once(':') {
        _ if key == "*" => true,
        None => service_ok(key),
        Some((service, op)) => {
            service_ok(service) && (op == "*" || (!op.is_empty() && op.bytes().all(|b| b.is_ascii_alphanumeric())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_json_keeps_defaults() {
        let c = ScanConfig::from_json(r#"{"unused_days": 30}"#).unwrap();
        assert_eq!(c.unused_days, 30);
        assert_eq!(c.required_tags, vec!["owner", "data-classification"]);
    }

    #[test]
    fn invalid_values_are_named() {
        let e = ScanConfig::from_json(r#"{"concurrency": 0}"#).unwrap_err();
        assert!(e.to_string().contains("concurrency"));
        let e = ScanConfig::from_json(r#"{"trusted_layer_accounts": ["12345"]}"#).unwrap_err();
        assert!(e.to_string().contains("trusted_layer_accounts"), "{e}");
        let e = ScanConfig::from_json(r#"{"admin_ports": [22, 0]}"#).unwrap_err();
        assert!(e.to_string().contains("admin_ports"), "{e}");
        let e = ScanConfig::from_json(r#"{"vpc_endpoint_services": ["s3", ""]}"#).unwrap_err();
        assert!(e.to_string().contains("vpc_endpoint_services"), "{e}");
        let e = ScanConfig::from_json(r#"{"admin_ports": [70000]}"#).unwrap_err();
        assert!(e.to_string().contains("admin_ports") || e.to_string().contains("u16"), "{e}");
        let e = ScanConfig::from_json(r#"{"secret_ignore": [" "]}"#).unwrap_err();
        assert!(e.to_string().contains("secret_ignore"), "{e}");
        let e = ScanConfig::from_json(r#"{"account_regions": ["us-east-1", "EU WEST"]}"#).unwrap_err();
        assert!(e.to_string().contains("account_regions") && e.to_string().contains("EU WEST"), "{e}");
        assert!(ScanConfig::from_json(r#"{"account_regions": ["us-east-1", "eu-west-1"]}"#).is_ok());
        let e = ScanConfig::from_json(r#"{"api_rate_limits": {"lambda": 0}}"#).unwrap_err();
        assert!(e.to_string().contains("api_rate_limits") && e.to_string().contains("lambda"), "{e}");
        let e = ScanConfig::from_json(r#"{"api_rate_limits": {"Lambda:Get Policy": 5}}"#).unwrap_err();
        assert!(e.to_string().contains("Lambda:Get Policy"), "{e}");
        let c =
            ScanConfig::from_json(r#"{"api_rate_limits": {"lambda": 5, "ec2:*": 2, "lambda:GetPolicy": 1}}"#).unwrap();
        assert_eq!(c.api_rate_limits.get("ec2:*"), Some(&2));
        let e = ScanConfig::from_json(r#"{"admin_user_pools": ["admins", ""]}"#).unwrap_err();
        assert!(e.to_string().contains("admin_user_pools"), "{e}");
        let e = ScanConfig::from_json(r#"{"public_identity_pools": [" "]}"#).unwrap_err();
        assert!(e.to_string().contains("public_identity_pools"), "{e}");
        let c =
            ScanConfig::from_json(r#"{"admin_user_pools": ["admin-*"], "public_identity_pools": ["guests"]}"#).unwrap();
        assert_eq!((c.admin_user_pools.len(), c.public_identity_pools.len()), (1, 1));
        let e = ScanConfig::from_json("{").unwrap_err();
        assert!(e.to_string().contains("not valid JSON"));
    }

    #[test]
    fn tag_match_compares_value_case_insensitively() {
        let mut tags = std::collections::BTreeMap::new();
        tags.insert("data-classification".to_string(), "Critical".to_string());
        assert!(TagMatch::new("data-classification", Some("critical")).matches(&tags));
        assert!(TagMatch::new("data-classification", None).matches(&tags));
        assert!(!TagMatch::new("owner", None).matches(&tags));
    }
}
