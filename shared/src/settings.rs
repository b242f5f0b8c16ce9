//! Settings read from the environment, in one place.
//!
//! [`VARIABLES`] is the one list of every environment variable ztscan reads: its name, who reads
//! it and what it means. The constants name them for the code (nothing else spells a variable's
//! name), [`AuditSettings`] is what an audit function reads at cold start, [`PublisherSettings`]
//! what publish-findings reads, and [`MemberAccounts`] the hub-and-spoke settings both read. The
//! SDK's timeouts (`collect::aws::timeouts`) and the region check ([`check_region`])
//! read theirs through the same names, in the functions and in the `ztscan` command alike.
//!
//! Every reader takes a lookup (`impl Fn(&str) -> Option<String>`): the process environment in
//! production, a map in tests. A bad value is an error naming the variable, never echoing a
//! value that may be secret (the member external id).

use std::time::Duration;

use crate::model::{Severity, UnknownSeverity};
use crate::scan_config::{ConfigError, ScanConfig};

/// Who reads a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Every audit function (`functions/*-audit`).
    AuditFunctions,
    /// The `publish-findings` function.
    PublishFindings,
    /// Every function, audits and publish-findings.
    Functions,
    /// Every function and the `ztscan` command.
    Everywhere,
    /// The `ztscan` command only.
    Command,
}

impl Reader {
    /// Whether an audit function reads a variable of this kind.
    pub fn audit_functions(self) -> bool {
        matches!(self, Self::AuditFunctions | Self::Functions | Self::Everywhere)
    }

    /// Whether publish-findings reads a variable of this kind.
    pub fn publish_findings(self) -> bool {
        matches!(self, Self::PublishFindings | Self::Functions | Self::Everywhere)
    }
}

/// One environment variable ztscan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    pub name: &'static str,
    pub read_by: Reader,
    pub meaning: &'static str,
}

pub const FINDINGS_QUEUE_URL: &str = "FINDINGS_QUEUE_URL";
pub const SCAN_COMPLETE_DELAY_SECONDS: &str = "SCAN_COMPLETE_DELAY_SECONDS";
pub const ZTSCAN_CONFIG: &str = "ZTSCAN_CONFIG";
pub const CONFIG_EVALUATIONS_TEST_MODE: &str = "CONFIG_EVALUATIONS_TEST_MODE";
pub const MEMBER_ACCOUNT_IDS: &str = "MEMBER_ACCOUNT_IDS";
pub const MEMBER_ROLE_NAME: &str = "MEMBER_ROLE_NAME";
pub const MEMBER_EXTERNAL_ID_SECRET_ID: &str = "MEMBER_EXTERNAL_ID_SECRET_ID";
pub const AWS_REGION: &str = "AWS_REGION";
pub const RUST_LOG: &str = "RUST_LOG";
pub const ZTSCAN_LOG: &str = "ZTSCAN_LOG";
pub const ZTSCAN_EXTRA_REGIONS: &str = "ZTSCAN_EXTRA_REGIONS";
pub const ZTSCAN_CONNECT_TIMEOUT_SECS: &str = "ZTSCAN_CONNECT_TIMEOUT_SECS";
pub const ZTSCAN_ATTEMPT_TIMEOUT_SECS: &str = "ZTSCAN_ATTEMPT_TIMEOUT_SECS";
pub const ZTSCAN_OPERATION_TIMEOUT_SECS: &str = "ZTSCAN_OPERATION_TIMEOUT_SECS";
pub const AWS_MAX_ATTEMPTS: &str = "AWS_MAX_ATTEMPTS";
pub const AWS_RETRY_MODE: &str = "AWS_RETRY_MODE";
pub const FINDINGS_PRODUCT_ARN: &str = "FINDINGS_PRODUCT_ARN";
pub const ALERT_TOPIC_ARN: &str = "ALERT_TOPIC_ARN";
pub const MIN_ALERT_SEVERITY: &str = "MIN_ALERT_SEVERITY";
pub const ALERT_WEBHOOK_SECRET_ID: &str = "ALERT_WEBHOOK_SECRET_ID";
pub const SECRET_CACHE_TTL_SECONDS: &str = "SECRET_CACHE_TTL_SECONDS";
pub const FINDINGS_DLQ_URL: &str = "FINDINGS_DLQ_URL";
pub const AUDIT_ROLE_IDS: &str = "AUDIT_ROLE_IDS";
pub const PUBLISHER_ROLE_ID: &str = "PUBLISHER_ROLE_ID";

/// Every environment variable ztscan reads.
pub const VARIABLES: &[Variable] = &[
    Variable {
        name: FINDINGS_QUEUE_URL,
        read_by: Reader::Functions,
        meaning: "the findings queue: where an audit sends its findings (required), and where \
                  publish-findings queues an alert whose channels failed (optional)",
    },
    Variable {
        name: SCAN_COMPLETE_DELAY_SECONDS,
        read_by: Reader::AuditFunctions,
        meaning: "how long the archive sweep message waits on the queue, 0 to 900 seconds",
    },
    Variable {
        name: ZTSCAN_CONFIG,
        read_by: Reader::AuditFunctions,
        meaning: "the scan configuration as JSON (thresholds, tags, rate limits); unset: the defaults",
    },
    Variable {
        name: CONFIG_EVALUATIONS_TEST_MODE,
        read_by: Reader::AuditFunctions,
        meaning: "`true`: AWS Config evaluations are put with TestMode (a local stack)",
    },
    Variable {
        name: MEMBER_ACCOUNT_IDS,
        read_by: Reader::Functions,
        meaning: "hub-and-spoke: the member account ids audited besides the own account",
    },
    Variable {
        name: MEMBER_ROLE_NAME,
        read_by: Reader::Functions,
        meaning: "hub-and-spoke: the role assumed in each member (default ztscan-member-audit)",
    },
    Variable {
        name: MEMBER_EXTERNAL_ID_SECRET_ID,
        read_by: Reader::Functions,
        meaning: "hub-and-spoke: the Secrets Manager secret (name or ARN) holding the member role's sts:ExternalId, \
                  required with members; the value is read once at cold start, never from the environment and never logged",
    },
    Variable {
        name: AWS_REGION,
        read_by: Reader::Functions,
        meaning: "set by Lambda: the region audited and published into",
    },
    Variable { name: RUST_LOG, read_by: Reader::Functions, meaning: "the functions' log filter (default info)" },
    Variable { name: ZTSCAN_LOG, read_by: Reader::Command, meaning: "the command's log filter (default warn)" },
    Variable {
        name: ZTSCAN_EXTRA_REGIONS,
        read_by: Reader::Everywhere,
        meaning: "comma-separated regions accepted beyond the built-in list (regions opened later)",
    },
    Variable {
        name: ZTSCAN_CONNECT_TIMEOUT_SECS,
        read_by: Reader::Everywhere,
        meaning: "seconds to connect to an AWS endpoint",
    },
    Variable {
        name: ZTSCAN_ATTEMPT_TIMEOUT_SECS,
        read_by: Reader::Everywhere,
        meaning: "seconds one attempt of an AWS call may take (default 30)",
    },
    Variable {
        name: ZTSCAN_OPERATION_TIMEOUT_SECS,
        read_by: Reader::Everywhere,
        meaning: "seconds an AWS call may take with its retries (default 90)",
    },
    Variable {
        name: AWS_MAX_ATTEMPTS,
        read_by: Reader::Everywhere,
        meaning: "the SDK's own: attempts per call; unset, ztscan uses adaptive retries with 6 attempts",
    },
    Variable {
        name: AWS_RETRY_MODE,
        read_by: Reader::Everywhere,
        meaning: "the SDK's own: `standard` or `adaptive`; unset, ztscan uses adaptive",
    },
    Variable {
        name: FINDINGS_PRODUCT_ARN,
        read_by: Reader::PublishFindings,
        meaning: "the Security Hub product imported into (own account only); default: the account's default product",
    },
    Variable {
        name: ALERT_TOPIC_ARN,
        read_by: Reader::PublishFindings,
        meaning: "the SNS topic for alerts; unset or empty: no SNS alerts",
    },
    Variable {
        name: MIN_ALERT_SEVERITY,
        read_by: Reader::PublishFindings,
        meaning: "the lowest severity that alerts (default HIGH)",
    },
    Variable {
        name: ALERT_WEBHOOK_SECRET_ID,
        read_by: Reader::PublishFindings,
        meaning: "the Secrets Manager secret holding the alert webhook's URL (never the URL itself)",
    },
    Variable {
        name: SECRET_CACHE_TTL_SECONDS,
        read_by: Reader::PublishFindings,
        meaning: "seconds a secret read from Secrets Manager is used, 1 to 86400 (default 300)",
    },
    Variable {
        name: FINDINGS_DLQ_URL,
        read_by: Reader::PublishFindings,
        meaning: "the findings dead-letter queue, where findings Security Hub refuses for good go at once",
    },
    Variable {
        name: AUDIT_ROLE_IDS,
        read_by: Reader::PublishFindings,
        meaning: "comma-separated unique ids (AROA...) of the audit roles: the only senders whose findings and \
                  scan-complete messages are taken; a message from anyone else is dead-lettered. Unset: \
                  senders are not checked (local runs; the template always sets it)",
    },
    Variable {
        name: PUBLISHER_ROLE_ID,
        read_by: Reader::PublishFindings,
        meaning: "the unique id of publish-findings' own role: the only sender of a queued alert retry \
                  (checked when AUDIT_ROLE_IDS is set)",
    },
];

/// The variable called `name`, if ztscan reads one.
pub fn variable(name: &str) -> Option<&'static Variable> {
    VARIABLES.iter().find(|v| v.name == name)
}

/// `docs/settings.md`: every variable, who reads it and what it means.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Environment variables\n\nGenerated from `ztscan::settings::VARIABLES` (`shared/src/settings.rs`) by \
         `ZTSCAN_UPDATE_DOCS=1 cargo test -p ztscan --lib settings`; do not edit by hand.\n\n\
         | variable | read by | meaning |\n|---|---|---|\n",
    );
    for v in VARIABLES {
        let reader = match v.read_by {
            Reader::AuditFunctions => "audit functions",
            Reader::PublishFindings => "publish-findings",
            Reader::Functions => "every function",
            Reader::Everywhere => "every function and `ztscan`",
            Reader::Command => "`ztscan`",
        };
        out.push_str(&format!("| `{}` | {reader} | {} |\n", v.name, v.meaning.replace('|', "\\|")));
    }
    out
}

/// How long a secret read from Secrets Manager is used unless `SECRET_CACHE_TTL_SECONDS` says.
pub const DEFAULT_SECRET_CACHE_TTL: Duration = Duration::from_secs(300);
/// The longest secret cache TTL accepted (a day).
pub const MAX_SECRET_CACHE_TTL_SECONDS: u64 = 86_400;
/// The member role's name when `MEMBER_ROLE_NAME` is not set.
pub const DEFAULT_MEMBER_ROLE_NAME: &str = "ztscan-member-audit";

/// A setting that cannot be used, naming the variable (never a secret value).
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {0} must be {1}")]
    Invalid(&'static str, &'static str),
    #[error("environment variable ZTSCAN_CONFIG: {0}")]
    ScanConfig(#[from] ConfigError),
    #[error("{0}")]
    Members(#[from] MembersError),
    #[error("{var}: {source}")]
    Severity {
        var: &'static str,
        #[source]
        source: UnknownSeverity,
    },
    #[error("{var}: expected a whole number of seconds from 1 to {max}, found {value:?}")]
    Ttl { var: &'static str, value: String, max: u64 },
}

/// The value of `name`, trimmed; unset and empty (templates often pass `""` for "none") alike
/// are `None`.
fn set(var: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    var(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// Whether `region` is one of the partitions' regions, or one `ZTSCAN_EXTRA_REGIONS` (from the
/// environment) allows: an error naming it otherwise.
pub fn check_region(region: &str) -> Result<(), String> {
    crate::regions::check_with(region, std::env::var(ZTSCAN_EXTRA_REGIONS).ok().as_deref())
}

/// What every audit function reads at cold start (the member external id is read from Secrets
/// Manager afterwards, by `collect::members`).
#[derive(Debug, Clone)]
pub struct AuditSettings {
    /// `FINDINGS_QUEUE_URL`.
    pub queue_url: String,
    /// `SCAN_COMPLETE_DELAY_SECONDS`: how long the archive sweep message waits on the queue.
    pub completion_delay: Option<i32>,
    /// `ZTSCAN_CONFIG` (JSON), else the defaults.
    pub config: ScanConfig,
    /// `CONFIG_EVALUATIONS_TEST_MODE=true`: `PutEvaluations` with `TestMode` (a local stack).
    pub config_test_mode: bool,
    /// Hub-and-spoke: the member accounts audited besides the function's own.
    pub members: MemberAccounts,
    /// `AWS_REGION` (set by Lambda): the region the function audits, checked against the
    /// partition's regions (`ZTSCAN_EXTRA_REGIONS` allows newer ones).
    pub region: String,
}

impl AuditSettings {
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Settings from any variable lookup (the environment in Lambda, a map in tests).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let queue_url = set(&var, FINDINGS_QUEUE_URL).ok_or(SettingsError::Missing(FINDINGS_QUEUE_URL))?;
        let config = match set(&var, ZTSCAN_CONFIG) {
            Some(text) => ScanConfig::from_json(&text)?,
            None => ScanConfig::default(),
        };
        let completion_delay = match set(&var, SCAN_COMPLETE_DELAY_SECONDS) {
            Some(v) => Some(v.parse::<i32>().ok().filter(|d| (0..=900).contains(d)).ok_or(SettingsError::Invalid(
                SCAN_COMPLETE_DELAY_SECONDS,
                "a whole number of seconds from 0 to 900",
            ))?),
            None => None,
        };
        let config_test_mode = match set(&var, CONFIG_EVALUATIONS_TEST_MODE).as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => return Err(SettingsError::Invalid(CONFIG_EVALUATIONS_TEST_MODE, "true or false")),
        };
        let members = MemberAccounts::from_lookup(&var, None)?;
        let region = set(&var, AWS_REGION).ok_or(SettingsError::Missing(AWS_REGION))?;
        crate::regions::check_with(&region, var(ZTSCAN_EXTRA_REGIONS).as_deref()).map_err(|_| {
            SettingsError::Invalid(
                AWS_REGION,
                "an AWS region such as us-east-1 (allow a newer one with ZTSCAN_EXTRA_REGIONS)",
            )
        })?;
        Ok(Self { queue_url, completion_delay, config, config_test_mode, members, region })
    }
}

/// What publish-findings reads at cold start. Every variable is optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublisherSettings {
    /// `FINDINGS_PRODUCT_ARN`: the Security Hub product; default: the account's default one.
    pub product_arn: Option<String>,
    /// `ALERT_TOPIC_ARN`: the SNS topic for alerts; `None`: no SNS alerts.
    pub alert_topic_arn: Option<String>,
    /// `MIN_ALERT_SEVERITY`: the lowest severity that alerts (default HIGH).
    pub min_alert_severity: Severity,
    /// `ALERT_WEBHOOK_SECRET_ID`: the Secrets Manager secret id of the alert webhook; `None`:
    /// no webhook.
    pub alert_webhook_secret_id: Option<String>,
    /// `SECRET_CACHE_TTL_SECONDS`: how long a fetched secret is used.
    pub secret_cache_ttl: Duration,
    /// `AWS_REGION`: where Security Hub is called; the region of the default product ARN.
    pub region: Option<String>,
    /// `FINDINGS_DLQ_URL`: where findings Security Hub refuses for a lasting cause go at once;
    /// `None`: they wait for the findings queue's own redrive.
    pub dead_letter_queue_url: Option<String>,
    /// `FINDINGS_QUEUE_URL`: where an alert whose channels failed is queued to be retried on
    /// its own; `None`: such an alert fails its records.
    pub findings_queue_url: Option<String>,
    /// `AUDIT_ROLE_IDS`: the unique ids (`AROA…`) of the roles whose findings and scan-complete
    /// messages are taken; empty: senders are not checked.
    pub audit_role_ids: Vec<String>,
    /// `PUBLISHER_ROLE_ID`: the unique id of publish-findings' own role, the only sender of an
    /// alert retry when senders are checked.
    pub publisher_role_id: Option<String>,
}

impl PublisherSettings {
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Settings from any variable lookup (the environment in Lambda, a map in tests).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let min_alert_severity = match set(&var, MIN_ALERT_SEVERITY) {
            Some(s) => s.parse().map_err(|source| SettingsError::Severity { var: MIN_ALERT_SEVERITY, source })?,
            None => Severity::High,
        };
        let secret_cache_ttl = match set(&var, SECRET_CACHE_TTL_SECONDS) {
            Some(s) => match s.parse::<u64>() {
                Ok(n) if (1..=MAX_SECRET_CACHE_TTL_SECONDS).contains(&n) => Duration::from_secs(n),
                _ => {
                    return Err(SettingsError::Ttl {
                        var: SECRET_CACHE_TTL_SECONDS,
                        value: s,
                        max: MAX_SECRET_CACHE_TTL_SECONDS,
                    })
                }
            },
            None => DEFAULT_SECRET_CACHE_TTL,
        };
        Ok(Self {
            product_arn: set(&var, FINDINGS_PRODUCT_ARN),
            alert_topic_arn: set(&var, ALERT_TOPIC_ARN),
            min_alert_severity,
            alert_webhook_secret_id: set(&var, ALERT_WEBHOOK_SECRET_ID),
            secret_cache_ttl,
            region: set(&var, AWS_REGION),
            dead_letter_queue_url: set(&var, FINDINGS_DLQ_URL),
            findings_queue_url: set(&var, FINDINGS_QUEUE_URL),
            audit_role_ids: role_ids(&var, AUDIT_ROLE_IDS)?,
            publisher_role_id: role_ids(&var, PUBLISHER_ROLE_ID)?.into_iter().next(),
        })
    }
}

/// The IAM unique ids listed in `name` (comma or space separated). A unique id is what SQS
/// reports as a message's `SenderId` before the `:session` part: 16 to 128 of A-Z and 0-9.
fn role_ids(var: &impl Fn(&str) -> Option<String>, name: &'static str) -> Result<Vec<String>, SettingsError> {
    let mut ids = Vec::new();
    for id in set(var, name).unwrap_or_default().split([',', ' ', '\n', '\t']).map(str::trim) {
        if id.is_empty() {
            continue;
        }
        if !(16..=128).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(SettingsError::Invalid(name, "comma-separated IAM unique ids such as AROA1234567890EXAMPLE"));
        }
        ids.push(id.to_string());
    }
    Ok(ids)
}

/// A bad hub-and-spoke setting, naming the variable (never the external id's value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MembersError {
    #[error("MEMBER_ACCOUNT_IDS: {0:?} is not a 12-digit account id")]
    BadAccount(String),
    #[error("MEMBER_ROLE_NAME: {0:?} is not an IAM role name (1-64 of A-Z a-z 0-9 + = , . @ _ -)")]
    BadRoleName(String),
    #[error(
        "MEMBER_EXTERNAL_ID_SECRET_ID must be set to a Secrets Manager secret name or ARN when MEMBER_ACCOUNT_IDS is"
    )]
    MissingExternalIdSecret,
    #[error("MEMBER_EXTERNAL_ID_SECRET_ID: {0:?} is not a Secrets Manager secret name or ARN")]
    BadExternalIdSecret(String),
}

/// Hub-and-spoke: the member accounts a hub function audits besides its own, the role it
/// assumes in each and the secret holding the external id it presents. The external id itself
/// is never an environment value: `collect::members` reads it from Secrets Manager at cold start
/// and turns these settings into assumed-role SDK configurations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberAccounts {
    pub accounts: Vec<String>,
    pub role_name: String,
    /// `MEMBER_EXTERNAL_ID_SECRET_ID`: the secret's name or ARN (not a secret itself).
    pub external_id_secret_id: String,
}

fn valid_account(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

fn valid_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// An external id STS accepts: 2 to 1224 of A-Z a-z 0-9 and `+=,.@:/_-`.
pub fn valid_external_id(id: &str) -> bool {
    (2..=1224).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@:/_-".contains(&b))
}

/// A Secrets Manager secret id: a name (1-512 of A-Z a-z 0-9 and `/_+=.@-`) or an ARN of one.
fn valid_secret_id(id: &str) -> bool {
    let name = match id.strip_prefix("arn:") {
        Some(rest) => {
            let parts: Vec<&str> = rest.splitn(6, ':').collect();
            match parts.as_slice() {
                [partition, "secretsmanager", region, account, "secret", name]
                    if partition.starts_with("aws") && !region.is_empty() && valid_account(account) =>
                {
                    *name
                }
                _ => return false,
            }
        }
        None => id,
    };
    (1..=512).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_+=.@-".contains(&b))
}

impl MemberAccounts {
    /// From any variable lookup (the environment in Lambda, a map in tests). `own_account`,
    /// if listed, is dropped: the function audits it with its own role anyway.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>, own_account: Option<&str>) -> Result<Self, MembersError> {
        let mut accounts = Vec::new();
        for id in var(MEMBER_ACCOUNT_IDS).unwrap_or_default().split([',', ' ', '\n', '\t']).map(str::trim) {
            if id.is_empty() || Some(id) == own_account || accounts.iter().any(|a| a == id) {
                continue;
            }
            if !valid_account(id) {
                return Err(MembersError::BadAccount(id.to_string()));
            }
            accounts.push(id.to_string());
        }
        if accounts.is_empty() {
            return Ok(Self::default());
        }
        let role_name = set(&var, MEMBER_ROLE_NAME).unwrap_or(DEFAULT_MEMBER_ROLE_NAME.into());
        if !valid_role_name(&role_name) {
            return Err(MembersError::BadRoleName(role_name));
        }
        let external_id_secret_id =
            set(&var, MEMBER_EXTERNAL_ID_SECRET_ID).ok_or(MembersError::MissingExternalIdSecret)?;
        if !valid_secret_id(&external_id_secret_id) {
            return Err(MembersError::BadExternalIdSecret(external_id_secret_id));
        }
        Ok(Self { accounts, role_name, external_id_secret_id })
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// The ARN of the member role in `account`.
    pub fn role_arn(&self, partition: &str, account: &str) -> String {
        format!("arn:{partition}:iam::{account}:role/{}", self.role_name)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn every_variable_is_listed_once_and_every_constant_is_listed() {
        let mut names: Vec<&str> = VARIABLES.iter().map(|v| v.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), VARIABLES.len(), "a variable is listed twice");
        // Every `pub const X: &str = "X"` of this file is in the list.
        let source = include_str!("settings.rs");
        for line in source.lines().filter(|l| l.starts_with("pub const ") && l.contains(": &str = \"")) {
            let name = line.split('"').nth(1).unwrap();
            if !name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
                continue;
            }
            assert!(variable(name).is_some(), "{name} is named but not in VARIABLES");
        }
    }

    #[test]
    fn the_committed_settings_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/settings.md");
        let current = markdown();
        if std::env::var_os("ZTSCAN_UPDATE_DOCS").is_some() {
            std::fs::write(path, &current).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(committed == current, "docs/settings.md is stale: run this test with ZTSCAN_UPDATE_DOCS=1");
    }

    #[test]
    fn audit_settings_name_the_bad_variable_never_its_value() {
        let e = AuditSettings::from_lookup(lookup(&[])).unwrap_err();
        assert!(e.to_string().contains("FINDINGS_QUEUE_URL"));
        let e = AuditSettings::from_lookup(lookup(&[
            ("FINDINGS_QUEUE_URL", "q"),
            ("AWS_REGION", "us-east-1"),
            ("SCAN_COMPLETE_DELAY_SECONDS", "9999"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("SCAN_COMPLETE_DELAY_SECONDS") && !e.to_string().contains("9999"));
        let s = AuditSettings::from_lookup(lookup(&[
            ("FINDINGS_QUEUE_URL", "q"),
            ("AWS_REGION", "eu-west-1"),
            ("SCAN_COMPLETE_DELAY_SECONDS", "5"),
        ]))
        .unwrap();
        assert_eq!(s.completion_delay, Some(5));
        assert_eq!(s.region, "eu-west-1");
        let e = AuditSettings::from_lookup(lookup(&[("FINDINGS_QUEUE_URL", "q")])).unwrap_err();
        assert!(e.to_string().contains("AWS_REGION"), "{e}");
        let e = AuditSettings::from_lookup(lookup(&[("FINDINGS_QUEUE_URL", "q"), ("AWS_REGION", "not-a-region")]))
            .unwrap_err();
        assert!(e.to_string().contains("AWS_REGION") && !e.to_string().contains("not-a-region"), "{e}");
        let e = AuditSettings::from_lookup(lookup(&[
            ("FINDINGS_QUEUE_URL", "q"),
            ("AWS_REGION", "us-east-1"),
            ("CONFIG_EVALUATIONS_TEST_MODE", "yes"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("CONFIG_EVALUATIONS_TEST_MODE"), "{e}");
        let s = AuditSettings::from_lookup(lookup(&[
            ("FINDINGS_QUEUE_URL", "q"),
            ("AWS_REGION", "xx-future-1"),
            ("ZTSCAN_EXTRA_REGIONS", "xx-future-1"),
        ]))
        .unwrap();
        assert_eq!(s.region, "xx-future-1");
    }

    fn publisher(vars: &[(&str, &str)]) -> Result<PublisherSettings, SettingsError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        PublisherSettings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn publisher_defaults_to_no_alerts_at_high_and_the_default_product() {
        assert_eq!(
            publisher(&[]).unwrap(),
            PublisherSettings {
                product_arn: None,
                alert_topic_arn: None,
                min_alert_severity: Severity::High,
                alert_webhook_secret_id: None,
                secret_cache_ttl: Duration::from_secs(300),
                region: None,
                dead_letter_queue_url: None,
                findings_queue_url: None,
                audit_role_ids: Vec::new(),
                publisher_role_id: None,
            }
        );
        assert_eq!(publisher(&[(ALERT_TOPIC_ARN, "")]).unwrap().alert_topic_arn, None);
        assert_eq!(publisher(&[(ALERT_WEBHOOK_SECRET_ID, " ")]).unwrap().alert_webhook_secret_id, None);
    }

    #[test]
    fn publisher_reads_every_variable() {
        let c = publisher(&[
            (FINDINGS_PRODUCT_ARN, "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"),
            (ALERT_TOPIC_ARN, "arn:aws:sns:us-east-1:123456789012:alerts"),
            (MIN_ALERT_SEVERITY, "critical"),
            (AWS_REGION, "eu-west-1"),
            (ALERT_WEBHOOK_SECRET_ID, "arn:aws:secretsmanager:us-east-1:123456789012:secret:ztscan/webhook-AbCdEf"),
            (SECRET_CACHE_TTL_SECONDS, "60"),
            (FINDINGS_DLQ_URL, "https://sqs.us-east-1.amazonaws.com/123456789012/dlq"),
            (FINDINGS_QUEUE_URL, "https://sqs.us-east-1.amazonaws.com/123456789012/findings"),
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
    fn publisher_reads_the_trusted_senders_and_rejects_what_is_not_a_unique_id() {
        let c = publisher(&[
            (AUDIT_ROLE_IDS, "AROAAAAAAAAAAAAAAAAAA, AROABBBBBBBBBBBBBBBBB"),
            (PUBLISHER_ROLE_ID, "AROACCCCCCCCCCCCCCCCC"),
        ])
        .unwrap();
        assert_eq!(c.audit_role_ids, ["AROAAAAAAAAAAAAAAAAAA", "AROABBBBBBBBBBBBBBBBB"]);
        assert_eq!(c.publisher_role_id.as_deref(), Some("AROACCCCCCCCCCCCCCCCC"));
        for bad in ["arn:aws:iam::123456789012:role/x", "AROA:session", "short"] {
            let err = publisher(&[(AUDIT_ROLE_IDS, bad)]).unwrap_err();
            assert!(err.to_string().contains("AUDIT_ROLE_IDS") && !err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn an_unknown_severity_names_the_variable() {
        let err = publisher(&[(MIN_ALERT_SEVERITY, "severe")]).unwrap_err();
        assert!(err.to_string().starts_with("MIN_ALERT_SEVERITY: unknown severity \"severe\""), "{err}");
    }

    #[test]
    fn a_bad_secret_cache_ttl_names_the_variable() {
        for bad in ["0", "-5", "5m", "86401"] {
            let err = publisher(&[(SECRET_CACHE_TTL_SECONDS, bad)]).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("SECRET_CACHE_TTL_SECONDS: expected a whole number of seconds from 1 to 86400, found {bad:?}")
            );
        }
    }

    #[test]
    fn no_members_by_default() {
        let m = MemberAccounts::from_lookup(lookup(&[]), Some("123456789012")).unwrap();
        assert!(m.is_empty());
        let m = MemberAccounts::from_lookup(lookup(&[("MEMBER_ACCOUNT_IDS", " , ")]), None).unwrap();
        assert!(m.is_empty());
    }

    #[test]
    fn members_are_parsed_deduplicated_and_exclude_the_own_account() {
        let m = MemberAccounts::from_lookup(
            lookup(&[
                ("MEMBER_ACCOUNT_IDS", "222222222222, 333333333333 222222222222,123456789012"),
                ("MEMBER_EXTERNAL_ID_SECRET_ID", "ztscan/member-external-id"),
            ]),
            Some("123456789012"),
        )
        .unwrap();
        assert_eq!(m.accounts, vec!["222222222222", "333333333333"]);
        assert_eq!(m.external_id_secret_id, "ztscan/member-external-id");
        assert_eq!(m.role_name, DEFAULT_MEMBER_ROLE_NAME);
        assert_eq!(m.role_arn("aws", "222222222222"), "arn:aws:iam::222222222222:role/ztscan-member-audit");
    }

    #[test]
    fn bad_member_settings_name_the_variable() {
        let secret = ("MEMBER_EXTERNAL_ID_SECRET_ID", "ztscan/member-external-id");
        let e =
            MemberAccounts::from_lookup(lookup(&[("MEMBER_ACCOUNT_IDS", "22222222222x"), secret]), None).unwrap_err();
        assert!(e.to_string().contains("MEMBER_ACCOUNT_IDS") && e.to_string().contains("22222222222x"), "{e}");
        let e = MemberAccounts::from_lookup(lookup(&[("MEMBER_ACCOUNT_IDS", "222222222222")]), None).unwrap_err();
        assert_eq!(e, MembersError::MissingExternalIdSecret);
        assert!(e.to_string().contains("MEMBER_EXTERNAL_ID_SECRET_ID"), "{e}");
        let e = MemberAccounts::from_lookup(
            lookup(&[("MEMBER_ACCOUNT_IDS", "222222222222"), ("MEMBER_ROLE_NAME", "bad/role"), secret]),
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("MEMBER_ROLE_NAME"), "{e}");
        for bad in ["has space", "arn:aws:s3:::bucket", "arn:aws:secretsmanager:us-east-1:12345:secret:x"] {
            let e = MemberAccounts::from_lookup(
                lookup(&[("MEMBER_ACCOUNT_IDS", "222222222222"), ("MEMBER_EXTERNAL_ID_SECRET_ID", bad)]),
                None,
            )
            .unwrap_err();
            assert_eq!(e, MembersError::BadExternalIdSecret(bad.to_string()));
        }
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ztscan/member-external-id-AbCdEf";
        let m = MemberAccounts::from_lookup(
            lookup(&[("MEMBER_ACCOUNT_IDS", "222222222222"), ("MEMBER_EXTERNAL_ID_SECRET_ID", arn)]),
            None,
        )
        .unwrap();
        assert_eq!(m.external_id_secret_id, arn);
    }

    #[test]
    fn no_external_id_is_read_from_the_environment() {
        assert!(VARIABLES.iter().all(|v| v.name != "MEMBER_EXTERNAL_ID"));
        assert!(valid_external_id("ztscan-7f3a9c") && !valid_external_id("x") && !valid_external_id("has space"));
    }
}
