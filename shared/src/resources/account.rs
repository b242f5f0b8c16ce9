//! Plain structs describing the account's security baseline as the account collector saw it,
//! one [`RegionBaseline`] per scanned region: CloudTrail trails, GuardDuty detectors, the
//! Config recorder, Security Hub, IAM Access Analyzer, Inspector and the KMS keys. Rules read
//! only these; SDK types never leave the collectors (`audit/<name>/collector.rs`).
//!
//! "Not enabled" is a fact (an empty list, `None`), never an error; a call that failed
//! (AccessDenied by an SCP, throttling, an API error) is that aspect's `CollectError`, so its
//! rule reports UNKNOWN for that region only.

use crate::collected::{CollectError, CollectErrorKind, Collected};

/// A CloudTrail trail as `DescribeTrails(includeShadowTrails)` shows it in one region (a
/// multi-region trail appears in every region, as a shadow outside its home region).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trail {
    pub name: String,
    pub arn: String,
    pub home_region: String,
    pub multi_region: bool,
    pub log_file_validation: bool,
    /// `GetTrailStatus.IsLogging`; read for multi-region trails only (a single-region trail
    /// cannot pass the rule, so its status is not needed): `Ok(None)` when not read.
    pub is_logging: Collected<Option<bool>>,
}

/// A GuardDuty detector of the region (`ListDetectors` + `GetDetector`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detector {
    pub id: String,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
    /// The status of the `LAMBDA_NETWORK_LOGS` feature (Lambda protection), `None` when the
    /// detector does not list the feature.
    pub lambda_protection: Option<String>,
}

impl Detector {
    pub fn enabled(&self) -> bool {
        self.status.eq_ignore_ascii_case("ENABLED")
    }

    pub fn lambda_protected(&self) -> bool {
        self.lambda_protection.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("ENABLED"))
    }
}

/// An AWS Config configuration recorder of the region with its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorder {
    pub name: String,
    /// `recordingGroup.allSupported`.
    pub all_supported: bool,
    /// `recordingGroup.includeGlobalResourceTypes`.
    pub include_global: bool,
    /// `recordingGroup.recordingStrategy.useOnly` (`ALL_SUPPORTED_RESOURCE_TYPES`,
    /// `INCLUSION_BY_RESOURCE_TYPES`, `EXCLUSION_BY_RESOURCE_TYPES`).
    pub strategy: Option<String>,
    /// `DescribeConfigurationRecorderStatus.recording`.
    pub recording: bool,
}

impl Recorder {
    /// True when the recorder records every supported resource type.
    pub fn records_all(&self) -> bool {
        self.all_supported
            || self.strategy.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("ALL_SUPPORTED_RESOURCE_TYPES"))
    }
}

/// An IAM Access Analyzer analyzer of the region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analyzer {
    pub name: String,
    /// `ACCOUNT`, `ORGANIZATION`, `ACCOUNT_UNUSED_ACCESS`, `ORGANIZATION_UNUSED_ACCESS`, ...
    pub kind: String,
    /// `ACTIVE`, `CREATING`, `DISABLED`, `FAILED`.
    pub status: String,
}

impl Analyzer {
    /// An active analyzer of external access (zone of trust the account or the organisation).
    pub fn active_external(&self) -> bool {
        self.status.eq_ignore_ascii_case("ACTIVE")
            && (self.kind.eq_ignore_ascii_case("ACCOUNT") || self.kind.eq_ignore_ascii_case("ORGANIZATION"))
    }
}

/// Amazon Inspector's status for the account in the region (`BatchGetAccountStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectorStatus {
    /// The account's overall state (`ENABLED`, `DISABLED`, ...).
    pub state: String,
    /// Lambda standard scanning (`resourceState.lambda.status`), when reported.
    pub lambda: Option<String>,
    /// Lambda code scanning (`resourceState.lambdaCode.status`), when reported.
    pub lambda_code: Option<String>,
}

/// Everything the regional `account.*` rules need about one region. Each aspect is collected
/// on its own: one that failed is UNKNOWN, the others are still judged.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionBaseline {
    pub region: String,
    /// Every trail visible in the region, shadow trails included.
    pub trails: Collected<Vec<Trail>>,
    /// The region's detectors (none: GuardDuty is not enabled).
    pub detectors: Collected<Vec<Detector>>,
    /// The region's configuration recorders (none: Config is not set up).
    pub recorders: Collected<Vec<Recorder>>,
    /// The Security Hub hub ARN, `None` when the account is not subscribed in the region.
    pub security_hub: Collected<Option<String>>,
    pub analyzers: Collected<Vec<Analyzer>>,
    /// `None` when Inspector reports no status for the account (never enabled).
    pub inspector: Collected<Option<InspectorStatus>>,
}

/// A KMS key as `ListKeys` + `DescribeKey` (+ `GetKeyRotationStatus`) show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsKey {
    pub id: String,
    pub arn: String,
    pub region: String,
    /// `CUSTOMER` or `AWS`.
    pub manager: String,
    /// `SYMMETRIC_DEFAULT`, `RSA_2048`, `HMAC_256`, ...
    pub spec: String,
    /// `AWS_KMS`, `EXTERNAL`, `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`.
    pub origin: String,
    /// `Enabled`, `Disabled`, `PendingDeletion`, ...
    pub state: String,
    /// `GetKeyRotationStatus.KeyRotationEnabled`, read only for keys that can rotate
    /// automatically (`Ok(None)` otherwise).
    pub rotation: Collected<Option<bool>>,
}

impl KmsKey {
    /// Why automatic rotation does not apply to the key, or `None` when it does: a
    /// customer-managed, enabled, symmetric key with key material from KMS.
    pub fn rotation_not_applicable(&self) -> Option<String> {
        if !self.manager.eq_ignore_ascii_case("CUSTOMER") {
            return Some(format!("a key managed by {} is rotated by AWS", self.manager));
        }
        if !self.spec.eq_ignore_ascii_case("SYMMETRIC_DEFAULT") {
            return Some(format!("key spec {} cannot rotate automatically", self.spec));
        }
        if !self.origin.eq_ignore_ascii_case("AWS_KMS") {
            return Some(format!("key material origin {} cannot rotate automatically", self.origin));
        }
        if !self.state.eq_ignore_ascii_case("Enabled") {
            return Some(format!("the key is {}", self.state));
        }
        None
    }

    /// A customer-managed symmetric key with rotation on.
    pub fn fixture(id: &str) -> Self {
        Self {
            id: id.to_string(),
            arn: format!("arn:aws:kms:us-east-1:123456789012:key/{id}"),
            region: "us-east-1".into(),
            manager: "CUSTOMER".into(),
            spec: "SYMMETRIC_DEFAULT".into(),
            origin: "AWS_KMS".into(),
            state: "Enabled".into(),
            rotation: Ok(Some(true)),
        }
    }
}

/// One scanned region: its baseline, and its customer-managed KMS keys or why they could not
/// be listed.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionInventory {
    pub baseline: RegionBaseline,
    pub keys: Collected<Vec<KmsKey>>,
}

/// The account's baseline in every scanned region, or why the regions could not be listed.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountInventory {
    pub regions: Collected<Vec<RegionInventory>>,
}

impl RegionBaseline {
    /// A region where every control passes: a logging multi-region trail with validation, a
    /// detector with Lambda protection, a recorder of everything, Security Hub, an account
    /// analyzer and Inspector scanning Lambda.
    pub fn fixture(region: &str) -> Self {
        Self {
            region: region.to_string(),
            trails: Ok(vec![Trail {
                name: "org-trail".into(),
                arn: "arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail".into(),
                home_region: "us-east-1".into(),
                multi_region: true,
                log_file_validation: true,
                is_logging: Ok(Some(true)),
            }]),
            detectors: Ok(vec![Detector {
                id: "d-1".into(),
                status: "ENABLED".into(),
                lambda_protection: Some("ENABLED".into()),
            }]),
            recorders: Ok(vec![Recorder {
                name: "default".into(),
                all_supported: true,
                include_global: true,
                strategy: Some("ALL_SUPPORTED_RESOURCE_TYPES".into()),
                recording: true,
            }]),
            security_hub: Ok(Some(format!("arn:aws:securityhub:{region}:123456789012:hub/default"))),
            analyzers: Ok(vec![Analyzer { name: "account".into(), kind: "ACCOUNT".into(), status: "ACTIVE".into() }]),
            inspector: Ok(Some(InspectorStatus {
                state: "ENABLED".into(),
                lambda: Some("ENABLED".into()),
                lambda_code: Some("DISABLED".into()),
            })),
        }
    }

    /// A region where nothing is enabled.
    pub fn empty(region: &str) -> Self {
        Self {
            region: region.to_string(),
            trails: Ok(Vec::new()),
            detectors: Ok(Vec::new()),
            recorders: Ok(Vec::new()),
            security_hub: Ok(None),
            analyzers: Ok(Vec::new()),
            inspector: Ok(None),
        }
    }
}

/// An AccessDenied collection error for `action`, for tests.
pub fn denied(action: &str) -> CollectError {
    CollectError::new(
        CollectErrorKind::AccessDenied,
        action,
        "AccessDeniedException: explicit deny in a service control policy",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorders_record_all_by_flag_or_strategy() {
        let r = Recorder {
            name: "r".into(),
            all_supported: false,
            include_global: false,
            strategy: Some("all_supported_resource_types".into()),
            recording: true,
        };
        assert!(r.records_all());
        assert!(!Recorder { strategy: Some("INCLUSION_BY_RESOURCE_TYPES".into()), ..r.clone() }.records_all());
        assert!(Recorder { all_supported: true, strategy: None, ..r }.records_all());
    }

    #[test]
    fn analyzers_count_only_active_external_access_ones() {
        let a = Analyzer { name: "a".into(), kind: "ORGANIZATION".into(), status: "ACTIVE".into() };
        assert!(a.active_external());
        assert!(!Analyzer { kind: "ACCOUNT_UNUSED_ACCESS".into(), ..a.clone() }.active_external());
        assert!(!Analyzer { status: "CREATING".into(), ..a }.active_external());
    }

    #[test]
    fn key_rotation_applies_to_enabled_symmetric_kms_keys_only() {
        assert_eq!(KmsKey::fixture("k").rotation_not_applicable(), None);
        let aws = KmsKey { manager: "AWS".into(), ..KmsKey::fixture("k") };
        assert!(aws.rotation_not_applicable().is_some_and(|r| r.contains("rotated by AWS")));
        let asym = KmsKey { spec: "RSA_2048".into(), ..KmsKey::fixture("k") };
        assert!(asym.rotation_not_applicable().is_some_and(|r| r.contains("RSA_2048")));
        let external = KmsKey { origin: "EXTERNAL".into(), ..KmsKey::fixture("k") };
        assert!(external.rotation_not_applicable().is_some_and(|r| r.contains("EXTERNAL")));
        let pending = KmsKey { state: "PendingDeletion".into(), ..KmsKey::fixture("k") };
        assert!(pending.rotation_not_applicable().is_some_and(|r| r.contains("PendingDeletion")));
    }
}
