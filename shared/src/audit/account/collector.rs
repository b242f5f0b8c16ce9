//! The account collector: the security baseline of every enabled region of the account.
//!
//! The regions are `ScanConfig::account_regions` when set, else `ec2:DescribeRegions` (without
//! `AllRegions`, so only regions that are enabled: opted in or needing no opt-in). Per region,
//! clients are built from the same `SdkConfig` with the region overridden, and six independent
//! reads run concurrently:
//!
//! - CloudTrail: `DescribeTrails(includeShadowTrails)` (a multi-region trail shows in every
//!   region) and `GetTrailStatus` (by ARN, as shadow trails need) for each multi-region trail;
//! - GuardDuty: paginated `ListDetectors`, then `GetDetector` (status and the
//!   `LAMBDA_NETWORK_LOGS` feature) for each;
//! - Config: `DescribeConfigurationRecorders` and `DescribeConfigurationRecorderStatus`;
//! - Security Hub: `DescribeHub` (`InvalidAccessException` / `ResourceNotFoundException`
//!   mean "not subscribed", a fact, not an error);
//! - IAM Access Analyzer: paginated `ListAnalyzers`;
//! - Inspector: `BatchGetAccountStatus` for the scanned account;
//!
//! and the KMS keys: paginated `ListKeys`, `DescribeKey` per key, and `GetKeyRotationStatus`
//! for each customer-managed key that can rotate automatically. AWS-managed keys are dropped
//! (AWS rotates them; they are not the account's to configure).
//!
//! Every API call of every region takes one permit of a single semaphore of
//! `ScanConfig::concurrency`, so a scan of ~17 regions stays within a bounded request rate. A
//! failed call is stored on the aspect it concerns (AccessDenied from an SCP that blocks a
//! region makes that region's aspects UNKNOWN, never PASS or FAIL).

use std::sync::Arc;

use aws_config::{Region, SdkConfig};
use aws_sdk_kms::error::ProvideErrorMetadata;
use futures_util::future::join_all;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::collect::error::{required, sdk_error, CollectError, CollectErrorKind, Collected};
use crate::collect::pages::all_pages;
use crate::resources::account::{
    AccountInventory, Analyzer, Detector, InspectorStatus, KmsKey, Recorder, RegionBaseline, RegionInventory, Trail,
};
use crate::scan_config::ScanConfig;

/// Every IAM action this collector calls, as data. The account-audit role must grant exactly
/// these (checked by `tests/tests/template_permissions.rs`).
pub const IAM_ACTIONS: &[&str] = &[
    DESCRIBE_REGIONS,
    DESCRIBE_TRAILS,
    GET_TRAIL_STATUS,
    LIST_DETECTORS,
    GET_DETECTOR,
    DESCRIBE_RECORDERS,
    DESCRIBE_RECORDER_STATUS,
    DESCRIBE_HUB,
    LIST_ANALYZERS,
    BATCH_GET_ACCOUNT_STATUS,
    LIST_KEYS,
    DESCRIBE_KEY,
    GET_KEY_ROTATION_STATUS,
];

/// The actions that name a KMS key (scoped to the account's keys in the template).
pub const KMS_KEY_ACTIONS: &[&str] = &[DESCRIBE_KEY, GET_KEY_ROTATION_STATUS];

const DESCRIBE_REGIONS: &str = "ec2:DescribeRegions";
const DESCRIBE_TRAILS: &str = "cloudtrail:DescribeTrails";
const GET_TRAIL_STATUS: &str = "cloudtrail:GetTrailStatus";
const LIST_DETECTORS: &str = "guardduty:ListDetectors";
const GET_DETECTOR: &str = "guardduty:GetDetector";
const DESCRIBE_RECORDERS: &str = "config:DescribeConfigurationRecorders";
const DESCRIBE_RECORDER_STATUS: &str = "config:DescribeConfigurationRecorderStatus";
const DESCRIBE_HUB: &str = "securityhub:DescribeHub";
const LIST_ANALYZERS: &str = "access-analyzer:ListAnalyzers";
const BATCH_GET_ACCOUNT_STATUS: &str = "inspector2:BatchGetAccountStatus";
const LIST_KEYS: &str = "kms:ListKeys";
const DESCRIBE_KEY: &str = "kms:DescribeKey";
const GET_KEY_ROTATION_STATUS: &str = "kms:GetKeyRotationStatus";

/// The clients of one region.
#[derive(Clone, Debug)]
pub struct RegionClients {
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    pub guardduty: aws_sdk_guardduty::Client,
    pub config: aws_sdk_config::Client,
    pub securityhub: aws_sdk_securityhub::Client,
    pub accessanalyzer: aws_sdk_accessanalyzer::Client,
    pub inspector2: aws_sdk_inspector2::Client,
    pub kms: aws_sdk_kms::Client,
}

macro_rules! regional {
    ($sdk:ident, $conf:expr, $region:expr) => {
        $sdk::Client::from_conf($sdk::config::Builder::from($conf).region(Region::new($region.to_string())).build())
    };
}

impl RegionClients {
    /// Clients for `region` from the shared SDK configuration (same credentials, retries and
    /// endpoint), with the region overridden.
    pub fn for_region(sdk: &SdkConfig, region: &str) -> Self {
        Self {
            cloudtrail: regional!(aws_sdk_cloudtrail, sdk, region),
            guardduty: regional!(aws_sdk_guardduty, sdk, region),
            config: regional!(aws_sdk_config, sdk, region),
            securityhub: regional!(aws_sdk_securityhub, sdk, region),
            accessanalyzer: regional!(aws_sdk_accessanalyzer, sdk, region),
            inspector2: regional!(aws_sdk_inspector2, sdk, region),
            kms: regional!(aws_sdk_kms, sdk, region),
        }
    }
}

/// Builds the clients of a region (tests return mocked ones, per region).
pub type ClientFactory = Arc<dyn Fn(&str) -> RegionClients + Send + Sync>;

/// Reads the account's baseline in every enabled region.
#[derive(Clone)]
pub struct AccountCollector {
    ec2: aws_sdk_ec2::Client,
    clients: ClientFactory,
    configured_regions: Vec<String>,
    page_size: Option<i32>,
    permits: Arc<Semaphore>,
}

impl AccountCollector {
    pub fn new(sdk: &SdkConfig, config: &ScanConfig) -> Self {
        let shared = sdk.clone();
        Self::from_clients(
            aws_sdk_ec2::Client::new(sdk),
            Arc::new(move |region: &str| RegionClients::for_region(&shared, region)),
            config,
        )
    }

    /// A collector over a given EC2 client (for `DescribeRegions`) and per-region clients.
    pub fn from_clients(ec2: aws_sdk_ec2::Client, clients: ClientFactory, config: &ScanConfig) -> Self {
        let mut configured_regions = config.account_regions.clone();
        configured_regions.sort();
        configured_regions.dedup();
        Self {
            ec2,
            clients,
            configured_regions,
            page_size: config.page_size,
            permits: Arc::new(Semaphore::new(config.concurrency.max(1))),
        }
    }

    async fn permit(&self) -> Option<SemaphorePermit<'_>> {
        // The semaphore is never closed, so this is always `Some`.
        self.permits.acquire().await.ok()
    }

    /// The regions to scan: the configured ones, else every enabled region, sorted.
    pub async fn regions(&self) -> Collected<Vec<String>> {
        if !self.configured_regions.is_empty() {
            return Ok(self.configured_regions.clone());
        }
        let out = {
            let _permit = self.permit().await;
            required(DESCRIBE_REGIONS, self.ec2.describe_regions().send().await)?
        };
        let mut names: Vec<String> = out.regions().iter().filter_map(|r| r.region_name()).map(str::to_string).collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// Every region's baseline and KMS keys. `account` is the scanned account (Inspector's
    /// status is asked for it by id). Never fails: a failed region listing is the inventory's
    /// error, a failed read is that aspect's error.
    pub async fn collect_all(&self, account: &str) -> AccountInventory {
        let regions = match self.regions().await {
            Ok(r) => r,
            Err(e) => return AccountInventory { regions: Err(e) },
        };
        let per_region = regions.iter().map(|region| async move {
            let (baseline, keys) = tokio::join!(self.baseline(region, account), self.keys(region, account));
            RegionInventory { baseline, keys }
        });
        AccountInventory { regions: Ok(join_all(per_region).await) }
    }

    /// The regional controls' facts of one region (no KMS keys).
    pub async fn baseline(&self, region: &str, account: &str) -> RegionBaseline {
        let c = (self.clients)(region);
        let (trails, detectors, recorders, security_hub, analyzers, inspector) = tokio::join!(
            self.trails(&c),
            self.detectors(&c),
            self.recorders(&c),
            self.security_hub(&c),
            self.analyzers(&c),
            self.inspector(&c, account),
        );
        RegionBaseline { region: region.to_string(), trails, detectors, recorders, security_hub, analyzers, inspector }
    }

    async fn trails(&self, c: &RegionClients) -> Collected<Vec<Trail>> {
        let out = {
            let _permit = self.permit().await;
            required(DESCRIBE_TRAILS, c.cloudtrail.describe_trails().include_shadow_trails(true).send().await)?
        };
        let reads = out.trail_list().iter().map(|t| async move {
            let name = t.name().unwrap_or_default().to_string();
            let arn = t.trail_arn().unwrap_or(&name).to_string();
            let multi_region = t.is_multi_region_trail().unwrap_or(false);
            let is_logging = if multi_region {
                let _permit = self.permit().await;
                required(GET_TRAIL_STATUS, c.cloudtrail.get_trail_status().name(&arn).send().await)
                    .map(|s| Some(s.is_logging().unwrap_or(false)))
            } else {
                Ok(None)
            };
            Trail {
                home_region: t.home_region().unwrap_or_default().to_string(),
                multi_region,
                log_file_validation: t.log_file_validation_enabled().unwrap_or(false),
                name,
                arn,
                is_logging,
            }
        });
        Ok(join_all(reads).await)
    }

    async fn detectors(&self, c: &RegionClients) -> Collected<Vec<Detector>> {
        let pages = c.guardduty.list_detectors().into_paginator().send();
        let ids: Vec<String> = all_pages(LIST_DETECTORS, Some(&self.permits), pages)
            .await?
            .iter()
            .flat_map(|p| p.detector_ids().iter().cloned())
            .collect();
        let reads = ids.into_iter().map(|id| async move {
            let out = {
                let _permit = self.permit().await;
                required(GET_DETECTOR, c.guardduty.get_detector().detector_id(&id).send().await)?
            };
            let lambda_protection = out
                .features()
                .iter()
                .find(|f| f.name().is_some_and(|n| n.as_str() == "LAMBDA_NETWORK_LOGS"))
                .and_then(|f| f.status())
                .map(|s| s.as_str().to_string());
            Ok(Detector {
                id,
                status: out.status().map(|s| s.as_str().to_string()).unwrap_or_else(|| "UNKNOWN".into()),
                lambda_protection,
            })
        });
        join_all(reads).await.into_iter().collect()
    }

    async fn recorders(&self, c: &RegionClients) -> Collected<Vec<Recorder>> {
        let (recorders, statuses) = tokio::join!(
            async {
                let _permit = self.permit().await;
                required(DESCRIBE_RECORDERS, c.config.describe_configuration_recorders().send().await)
            },
            async {
                let _permit = self.permit().await;
                required(DESCRIBE_RECORDER_STATUS, c.config.describe_configuration_recorder_status().send().await)
            },
        );
        let (recorders, statuses) = (recorders?, statuses?);
        Ok(recorders
            .configuration_recorders()
            .iter()
            .map(|r| {
                let name = r.name().unwrap_or_default().to_string();
                let group = r.recording_group();
                Recorder {
                    all_supported: group.is_some_and(|g| g.all_supported()),
                    include_global: group.is_some_and(|g| g.include_global_resource_types()),
                    strategy: group
                        .and_then(|g| g.recording_strategy())
                        .and_then(|s| s.use_only())
                        .map(|s| s.as_str().to_string()),
                    recording: statuses
                        .configuration_recorders_status()
                        .iter()
                        .any(|s| s.name() == Some(name.as_str()) && s.recording()),
                    name,
                }
            })
            .collect())
    }

    async fn security_hub(&self, c: &RegionClients) -> Collected<Option<String>> {
        let result = {
            let _permit = self.permit().await;
            c.securityhub.describe_hub().send().await
        };
        match result {
            Ok(out) => Ok(Some(out.hub_arn().unwrap_or("hub").to_string())),
            // Security Hub's answer when the account is not subscribed in the region.
            Err(e) if matches!(e.code(), Some("InvalidAccessException" | "ResourceNotFoundException")) => Ok(None),
            Err(e) => Err(sdk_error(DESCRIBE_HUB, &e)),
        }
    }

    async fn analyzers(&self, c: &RegionClients) -> Collected<Vec<Analyzer>> {
        let pages = c
            .accessanalyzer
            .list_analyzers()
            .set_max_results(self.page_size.map(|p| p.clamp(1, 1000)))
            .into_paginator()
            .send();
        let pages = all_pages(LIST_ANALYZERS, Some(&self.permits), pages).await?;
        Ok(pages
            .iter()
            .flat_map(|p| p.analyzers())
            .map(|a| Analyzer {
                name: a.name().to_string(),
                kind: a.r#type().as_str().to_string(),
                status: a.status().as_str().to_string(),
            })
            .collect())
    }

    async fn inspector(&self, c: &RegionClients, account: &str) -> Collected<Option<InspectorStatus>> {
        let out = {
            let _permit = self.permit().await;
            required(
                BATCH_GET_ACCOUNT_STATUS,
                c.inspector2.batch_get_account_status().account_ids(account).send().await,
            )?
        };
        if let Some(failed) = out.failed_accounts().iter().find(|f| f.account_id() == account) {
            let code = failed.error_code().as_str();
            let kind = if code == "ACCESS_DENIED" { CollectErrorKind::AccessDenied } else { CollectErrorKind::Api };
            return Err(CollectError::new(
                kind,
                BATCH_GET_ACCOUNT_STATUS,
                format!("{code}: {}", failed.error_message()),
            ));
        }
        Ok(out.accounts().iter().find(|a| a.account_id() == account).map(|a| {
            let resource = a.resource_state();
            InspectorStatus {
                state: a.state().map(|s| s.status().as_str().to_string()).unwrap_or_else(|| "UNKNOWN".into()),
                lambda: resource.and_then(|r| r.lambda()).map(|s| s.status().as_str().to_string()),
                lambda_code: resource.and_then(|r| r.lambda_code()).map(|s| s.status().as_str().to_string()),
            }
        }))
    }

    /// The region's customer-managed KMS keys (AWS-managed keys are dropped). `account` names
    /// a key whose description could not be read.
    pub async fn keys(&self, region: &str, account: &str) -> Collected<Vec<KmsKey>> {
        let c = (self.clients)(region);
        let listed = list_keys(&c.kms, self.page_size, &self.permits).await?;
        let reads = listed.iter().map(|(id, arn)| self.read_key(&c.kms, region, account, id, arn.as_deref()));
        Ok(join_all(reads).await.into_iter().flatten().filter(|k| k.manager != "AWS").collect())
    }

    /// One key by id or ARN (a Config change event), `None` when it no longer exists.
    pub async fn collect_key(&self, region: &str, account: &str, key_id: &str) -> Option<KmsKey> {
        let c = (self.clients)(region);
        self.read_key(&c.kms, region, account, key_id, None).await
    }

    /// `DescribeKey` and, for a key that can rotate, `GetKeyRotationStatus`. A key whose
    /// description could not be read is kept with that error as its rotation status, so its
    /// finding is UNKNOWN; one that is gone (`NotFoundException`) is `None`.
    async fn read_key(
        &self,
        kms: &aws_sdk_kms::Client,
        region: &str,
        account: &str,
        id: &str,
        listed_arn: Option<&str>,
    ) -> Option<KmsKey> {
        let described = {
            let _permit = self.permit().await;
            kms.describe_key().key_id(id).send().await
        };
        let meta = match described {
            Ok(out) => out.key_metadata()?.clone(),
            Err(e) if e.code() == Some("NotFoundException") => return None,
            Err(e) => {
                let key_id = id.rsplit('/').next().unwrap_or(id).to_string();
                let arn = match listed_arn {
                    Some(a) => a.to_string(),
                    None if id.starts_with("arn:") => id.to_string(),
                    None => key_arn(region, account, &key_id),
                };
                return Some(KmsKey {
                    id: key_id,
                    arn,
                    region: region.to_string(),
                    manager: "UNKNOWN".into(),
                    spec: "UNKNOWN".into(),
                    origin: "UNKNOWN".into(),
                    state: "UNKNOWN".into(),
                    rotation: Err(sdk_error(DESCRIBE_KEY, &e)),
                });
            }
        };
        let mut key = KmsKey {
            id: meta.key_id().to_string(),
            arn: meta.arn().map(str::to_string).unwrap_or_else(|| key_arn(region, account, meta.key_id())),
            region: region.to_string(),
            manager: meta.key_manager().map(|m| m.as_str().to_string()).unwrap_or_else(|| "CUSTOMER".into()),
            spec: meta.key_spec().map(|s| s.as_str().to_string()).unwrap_or_else(|| "SYMMETRIC_DEFAULT".into()),
            origin: meta.origin().map(|o| o.as_str().to_string()).unwrap_or_else(|| "AWS_KMS".into()),
            state: meta.key_state().map(|s| s.as_str().to_string()).unwrap_or_else(|| {
                if meta.enabled() {
                    "Enabled".into()
                } else {
                    "Disabled".into()
                }
            }),
            rotation: Ok(None),
        };
        if key.rotation_not_applicable().is_none() {
            let _permit = self.permit().await;
            key.rotation =
                required(GET_KEY_ROTATION_STATUS, kms.get_key_rotation_status().key_id(&key.id).send().await)
                    .map(|r| Some(r.key_rotation_enabled()));
        }
        Some(key)
    }
}

/// Every key of the client's region as `ListKeys` names it (key id, key ARN), paginated, each
/// page requested under one of `permits`: the one key listing, shared by the account audit
/// (rotation) and the data audit (key policies, deletion).
pub async fn list_keys(
    kms: &aws_sdk_kms::Client,
    page_size: Option<i32>,
    permits: &Semaphore,
) -> Collected<Vec<(String, Option<String>)>> {
    let pages = kms.list_keys().set_limit(page_size.map(|p| p.clamp(1, 1000))).into_paginator().send();
    Ok(all_pages(LIST_KEYS, Some(permits), pages)
        .await?
        .iter()
        .flat_map(|p| p.keys())
        .filter_map(|k| Some((k.key_id()?.to_string(), k.key_arn().map(str::to_string))))
        .collect())
}

/// The ARN of key `id` of `account` in `region`.
pub fn key_arn(region: &str, account: &str, id: &str) -> String {
    format!("arn:{}:kms:{region}:{account}:key/{id}", crate::context::partition_for(region))
}
