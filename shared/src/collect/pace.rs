//! Client-side pacing: every request of every SDK client built from the shared SDK
//! configuration waits for its API's turn, so a scan stays below the account's API quotas
//! instead of leaning on throttling and retries.
//!
//! **One place for every client.** [`paced`] wraps the SDK configuration's identity cache in a
//! [`PacingIdentityCache`]. The SDK's orchestrator resolves an identity once per attempt of
//! every operation, with the operation's [`Metadata`] (service and operation name) and region in
//! the configuration bag, and it is the one asynchronous step every client takes before signing;
//! so the wait happens there, keyed by (region, service, operation), and no call site has to
//! remember it. Every client built with `Client::new(&sdk)` or `config::Builder::from(&sdk)`
//! inherits it, including the per-region clients of the account audit. Retries are attempts
//! too, so they are paced as well.
//!
//! **How a limit applies.** A rate is a number of requests per second. Each bucket hands out one
//! slot every `1 / rate` seconds (a token bucket one token deep: no burst), so in any window of
//! one second a bucket starts at most `rate` requests; several collectors, tasks and retries
//! share the same buckets. Rates are looked up in this order (the configuration's
//! `api_rate_limits` first, then the built-in rates: [`SHARED_RATES`] and each audit's
//! `Descriptor::api_rates`, gathered by `audit::default_api_rates`):
//!
//! 1. `service:Operation` (e.g. `lambda:GetPolicy`): that operation's own bucket;
//! 2. `service:*` (e.g. `ec2:*`): each operation of the service gets its own bucket at this rate;
//! 3. `service` (e.g. `lambda`): one bucket shared by every operation of the service that has no
//!    entry of its own;
//! 4. `*`: each operation of any other service gets its own bucket at this rate.
//!
//! Service keys are the SDK's service names in lower case without spaces: `lambda`, `s3`,
//! `s3control`, `iam`, `sts`, `ec2`, `cloudformation`, `sns`, `sqs`, `eventbridge`,
//! `secretsmanager`, `cloudtrail`, `guardduty`, `configservice`, `securityhub`,
//! `accessanalyzer`, `inspector2`, `kms`, `dynamodb`, `ssm`, `cloudwatchlogs`, `apigateway`,
//! `apigatewayv2`, `cognitoidentityprovider`, `cognitoidentity`.
//!
//! **Defaults** come from the service quota pages where AWS publishes a rate, and are
//! conservative where it does not. Each audit declares the rates of the services only it reads,
//! with their sources, in its descriptor (`audit/<name>/mod.rs`); the services every function
//! shares are here:
//!
//! - STS publishes no request rate; calls beyond an unpublished account-wide rate fail with
//!   `Throttling` (<https://repost.aws/knowledge-center/iam-sts-throttling-error>): 20 per
//!   operation.
//! - SNS: `ListTopics`, the other listing and attribute reads and `Publish` are throttled at 30
//!   transactions per second or more (<https://docs.aws.amazon.com/general/latest/gr/sns.html>).
//! - SQS publishes no control-plane read rate a scan could reach: 10 per second per operation.
//! - Security Hub: `BatchImportFindings` 10 per second per account and region (burst 30)
//!   (<https://docs.aws.amazon.com/securityhub/latest/partnerguide/guidelines-batchimportfindings.html>);
//!   `GetFindings` is known to throttle well below that, so it gets 3 per second.
//! - Every other service (CloudTrail, GuardDuty, Config, Access Analyzer, Inspector, KMS,
//!   DynamoDB, SSM, EventBridge, ...): 10 per second per operation, below their published rates.
//!
//! **Retries.** [`crate::collect::aws::load_sdk_config`] chooses the SDK's adaptive retry mode
//! with 6 attempts. Its backoff is exponential with full jitter: before retry `n` the SDK sleeps
//! a uniformly random fraction of `min(1 s × 2^n, 20 s)` (`aws-smithy-runtime`'s standard
//! strategy multiplies the capped backoff by `fastrand::f64()`), and in adaptive mode a
//! throttling answer also lowers the client's own sending rate (CUBIC) before it recovers.
//! Pacing comes first, so in steady state no request should be throttled at all.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::identity::IdentityCache;
use aws_config::{Region, SdkConfig};
use aws_smithy_runtime_api::client::identity::{
    IdentityFuture, ResolveCachedIdentity, SharedIdentityCache, SharedIdentityResolver,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// The built-in rates in requests per second of the services every function shares, by key (see
/// the module documentation for the key forms and the sources). Each audit adds its own
/// services' rates (`Descriptor::api_rates`).
pub const SHARED_RATES: &[(&str, u32)] = &[
    ("sts:*", 20),
    ("sns:*", 30),
    ("sqs:*", 10),
    ("securityhub:BatchImportFindings", 10),
    ("securityhub:GetFindings", 3),
    ("securityhub:*", 10),
    ("*", 10),
];

/// The service key for an SDK service name: `"Secrets Manager"` → `secretsmanager`,
/// `"S3 Control"` → `s3control`.
pub fn service_key(sdk_service_name: &str) -> String {
    sdk_service_name.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// The bucket a request draws from, and its rate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bucket {
    /// The key that chose the rate, with `*` replaced by the operation for per-operation keys:
    /// `lambda` (shared), `lambda:GetPolicy`, `ec2:DescribeVpcs`.
    pub name: String,
    pub per_second: u32,
}

/// Per-API pacing state: the rates and, per (region, bucket), the next free slot.
#[derive(Debug)]
pub struct Pacer {
    rates: BTreeMap<String, u32>,
    next_slot: Mutex<HashMap<(String, String), Instant>>,
}

impl Pacer {
    /// The built-in rates `defaults` with `overrides` (the configuration's `api_rate_limits`) on
    /// top.
    pub fn new(defaults: &[(&str, u32)], overrides: &BTreeMap<String, u32>) -> Self {
        let mut rates: BTreeMap<String, u32> = defaults.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        rates.extend(overrides.iter().filter(|(_, v)| **v > 0).map(|(k, v)| (k.clone(), *v)));
        Self { rates, next_slot: Mutex::new(HashMap::new()) }
    }

    /// The bucket of `service` (a service key) and `operation`.
    pub fn bucket(&self, service: &str, operation: &str) -> Bucket {
        let own = format!("{service}:{operation}");
        if let Some(&r) = self.rates.get(&own) {
            return Bucket { name: own, per_second: r };
        }
        if let Some(&r) = self.rates.get(&format!("{service}:*")) {
            return Bucket { name: own, per_second: r };
        }
        if let Some(&r) = self.rates.get(service) {
            return Bucket { name: service.to_string(), per_second: r };
        }
        let r = self.rates.get("*").copied().unwrap_or(10);
        Bucket { name: own, per_second: r }
    }

    /// Reserve the next slot of the bucket for (`region`, `service`, `operation`) at `now`,
    /// returning how long the request must wait for it.
    pub fn reserve(&self, region: &str, service: &str, operation: &str, now: Instant) -> Duration {
        let bucket = self.bucket(service, operation);
        let interval = Duration::from_secs(1) / bucket.per_second.max(1);
        let mut slots = self.next_slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let next = slots.entry((region.to_string(), bucket.name)).or_insert(now);
        let start = (*next).max(now);
        *next = start + interval;
        start - now
    }
}

/// An identity cache that first waits for the request's slot with the [`Pacer`], then
/// delegates to the cache it wraps (see the module documentation for why pacing lives here).
#[derive(Debug)]
pub struct PacingIdentityCache {
    inner: SharedIdentityCache,
    pacer: Arc<Pacer>,
}

impl ResolveCachedIdentity for PacingIdentityCache {
    fn resolve_cached_identity<'a>(
        &'a self,
        resolver: SharedIdentityResolver,
        runtime_components: &'a RuntimeComponents,
        config_bag: &'a ConfigBag,
    ) -> IdentityFuture<'a> {
        let wait = config_bag.load::<Metadata>().map(|m| {
            let region = config_bag.load::<Region>().map(|r| r.as_ref().to_string()).unwrap_or_default();
            self.pacer.reserve(&region, &service_key(m.service()), m.name(), Instant::now())
        });
        IdentityFuture::new(async move {
            if let Some(wait) = wait.filter(|w| !w.is_zero()) {
                tokio::time::sleep(wait).await;
            }
            self.inner.resolve_cached_identity(resolver, runtime_components, config_bag).await
        })
    }
}

/// `sdk` with every client built from it paced by `pacer`.
pub fn paced(sdk: &SdkConfig, pacer: Arc<Pacer>) -> SdkConfig {
    let inner = sdk.identity_cache().unwrap_or_else(|| IdentityCache::lazy().build());
    sdk.to_builder().identity_cache(PacingIdentityCache { inner, pacer }).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rates the lookup tests rely on: the shared ones, Lambda's and EC2's.
    const DEFAULTS: &[(&str, u32)] = &[
        ("lambda", 15),
        ("lambda:GetPolicy", 15),
        ("lambda:GetFunction", 100),
        ("ec2:*", 20),
        ("sts:*", 20),
        ("securityhub:GetFindings", 3),
        ("*", 10),
    ];

    fn pacer(overrides: &[(&str, u32)]) -> Pacer {
        Pacer::new(DEFAULTS, &overrides.iter().map(|(k, v)| (k.to_string(), *v)).collect())
    }

    #[test]
    fn lookup_prefers_the_operation_then_per_operation_then_shared_then_default() {
        let p = pacer(&[]);
        assert_eq!(p.bucket("lambda", "GetPolicy"), Bucket { name: "lambda:GetPolicy".into(), per_second: 15 });
        assert_eq!(p.bucket("lambda", "ListTags"), Bucket { name: "lambda".into(), per_second: 15 });
        assert_eq!(p.bucket("ec2", "DescribeVpcs"), Bucket { name: "ec2:DescribeVpcs".into(), per_second: 20 });
        assert_eq!(p.bucket("kms", "ListKeys"), Bucket { name: "kms:ListKeys".into(), per_second: 10 });
        let p = pacer(&[("lambda", 5), ("kms:ListKeys", 2)]);
        assert_eq!(p.bucket("lambda", "ListTags").per_second, 5);
        assert_eq!(p.bucket("lambda", "GetPolicy").per_second, 15, "an operation's own entry still wins");
        assert_eq!(p.bucket("kms", "ListKeys").per_second, 2);
    }

    #[test]
    fn slots_are_spaced_per_bucket_and_region() {
        let p = pacer(&[("lambda", 4)]);
        let t0 = Instant::now();
        let waits: Vec<Duration> = (0..4).map(|_| p.reserve("us-east-1", "lambda", "ListTags", t0)).collect();
        assert_eq!(waits, [0, 250, 500, 750].map(Duration::from_millis));
        // ListTags and GetFunctionConcurrency share the `lambda` bucket.
        assert_eq!(p.reserve("us-east-1", "lambda", "GetFunctionConcurrency", t0), Duration::from_millis(1000));
        // Another region and an operation with its own bucket are not delayed.
        assert_eq!(p.reserve("eu-west-1", "lambda", "ListTags", t0), Duration::ZERO);
        assert_eq!(p.reserve("us-east-1", "lambda", "GetPolicy", t0), Duration::ZERO);
        // Time that passed frees the slots it covered.
        assert_eq!(p.reserve("us-east-1", "lambda", "ListTags", t0 + Duration::from_secs(3)), Duration::ZERO);
    }

    #[test]
    fn keys_and_service_names() {
        for good in ["*", "lambda", "ec2:*", "lambda:GetPolicy", "s3control"] {
            assert!(crate::scan_config::is_valid_rate_key(good), "{good}");
        }
        for bad in ["", "Lambda", "lambda:", "lambda:Get-Policy", "lambda get", ":GetPolicy"] {
            assert!(!crate::scan_config::is_valid_rate_key(bad), "{bad}");
        }
        assert_eq!(service_key("Secrets Manager"), "secretsmanager");
        assert_eq!(service_key("Config Service"), "configservice");
        assert_eq!(service_key("S3 Control"), "s3control");
    }
}
