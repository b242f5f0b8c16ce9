//! Secrets that ztscan's own functions need (e.g. the alert webhook URL), fetched by secret id
//! from AWS Secrets Manager, never read from an environment value.
//!
//! - [`SecretSource`] is the port: fetch one secret string by id.
//! - [`SecretsManagerSource`] implements it with `secretsmanager:GetSecretValue`.
//! - [`SecretCache`] sits in front of any source: entries live for a TTL (default 5 minutes),
//!   at most `max_entries` are kept (the least recently used is evicted), concurrent callers
//!   of a cold or expired entry share one fetch, and a failed fetch is not cached.
//!
//! - [`member_external_id`] reads the hub-and-spoke external id (`MEMBER_EXTERNAL_ID_SECRET_ID`)
//!   once, at a hub function's cold start.
//!
//! The value type, [`SecretString`], has a redacted `Debug` and `Display` and no `Serialize`,
//! so it cannot end up in a log line, an error or a message by accident. Errors name the
//! secret id and the AWS error code, never the value.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};

/// `secretsmanager:GetSecretValue` (plus `kms:Decrypt` when the secret uses a customer-managed
/// key, which the template grants only when such a key is named).
pub const IAM_ACTIONS: &[&str] = &["secretsmanager:GetSecretValue"];

/// How many secrets a cache keeps at most.
pub const DEFAULT_MAX_ENTRIES: usize = 16;

const REDACTED: &str = "[redacted]";

/// A secret value. `Debug` and `Display` print `[redacted]`; the value is only reachable
/// through [`SecretString::expose`], so every use of it is visible in the code.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Arc<str>);

impl SecretString {
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Self(value.into())
    }

    /// The value. Never log or format it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretString({REDACTED})")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Why a secret could not be fetched. Names the secret id and the AWS error, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The service answered with an error code (AccessDenied, ResourceNotFoundException, ...).
    #[error("secretsmanager:GetSecretValue on secret `{id}` failed: {code}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Service { id: String, code: String, message: Option<String> },
    /// The service could not be reached, timed out, or answered with something unreadable.
    #[error("secretsmanager:GetSecretValue on secret `{id}` failed: {detail}")]
    Transport { id: String, detail: String },
    /// The secret exists but holds a binary value (or nothing), not a string.
    #[error("secret `{id}` has no string value (SecretString is empty or the secret is binary)")]
    NotAString { id: String },
}

impl SecretError {
    /// The secret id the error is about.
    pub fn id(&self) -> &str {
        match self {
            Self::Service { id, .. } | Self::Transport { id, .. } | Self::NotAString { id } => id,
        }
    }
}

/// Port: fetch a secret string by id.
///
/// Declared with `impl Future + Send` (native, no `async-trait`); implementations write
/// `async fn`.
pub trait SecretSource: Send + Sync {
    fn fetch(&self, id: &str) -> impl Future<Output = Result<SecretString, SecretError>> + Send;
}

/// [`SecretSource`] over AWS Secrets Manager: `GetSecretValue` of the current version
/// (`AWSCURRENT`). `id` is the secret's name or ARN.
#[derive(Debug, Clone)]
pub struct SecretsManagerSource {
    client: aws_sdk_secretsmanager::Client,
}

impl SecretsManagerSource {
    pub fn new(client: aws_sdk_secretsmanager::Client) -> Self {
        Self { client }
    }
}

impl SecretSource for SecretsManagerSource {
    async fn fetch(&self, id: &str) -> Result<SecretString, SecretError> {
        let out = self.client.get_secret_value().secret_id(id).send().await.map_err(|e| match &e {
            SdkError::ServiceError(_) if e.code().is_some() => SecretError::Service {
                id: id.to_string(),
                code: e.code().unwrap_or_default().to_string(),
                message: e.message().map(str::to_string),
            },
            // Dispatch failures, timeouts and unreadable responses: classified, never the SDK's
            // error text (which can carry the response).
            other => SecretError::Transport {
                id: id.to_string(),
                detail: crate::collect::error::sdk_error("secretsmanager:GetSecretValue", other).message,
            },
        })?;
        match out.secret_string() {
            Some(s) if !s.is_empty() => Ok(SecretString::new(s)),
            _ => Err(SecretError::NotAString { id: id.to_string() }),
        }
    }
}

/// Where the cache reads the time; tests inject a manual clock.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

/// The system's monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// One cache entry. The async mutex is held during a fetch, so concurrent callers of a cold
/// entry wait for that one fetch instead of starting their own.
#[derive(Default)]
struct Slot {
    value: tokio::sync::Mutex<Option<(SecretString, Instant)>>,
}

struct Entry {
    slot: Arc<Slot>,
    last_used: Instant,
}

/// A bounded TTL cache in front of a [`SecretSource`].
pub struct SecretCache<S, C = SystemClock> {
    source: S,
    clock: C,
    ttl: Duration,
    max_entries: usize,
    entries: Mutex<HashMap<String, Entry>>,
}

impl<S, C> fmt::Debug for SecretCache<S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretCache").field("ttl", &self.ttl).field("max_entries", &self.max_entries).finish()
    }
}

impl<S: SecretSource> SecretCache<S> {
    /// A cache with the default TTL and bound, on the system clock.
    pub fn new(source: S) -> Self {
        Self::with_clock(source, SystemClock)
    }
}

impl<S: SecretSource, C: Clock> SecretCache<S, C> {
    pub fn with_clock(source: S, clock: C) -> Self {
        Self {
            source,
            clock,
            ttl: crate::settings::DEFAULT_SECRET_CACHE_TTL,
            max_entries: DEFAULT_MAX_ENTRIES,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// How long a fetched value is used.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How many secrets are kept at most (at least one).
    pub fn max_entries(mut self, max_entries: usize) -> Self {
        self.max_entries = max_entries.max(1);
        self
    }

    /// The source behind the cache.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// The secret `id`: the cached value while it is fresh, else one fetch shared by every
    /// concurrent caller. A failed fetch is returned and not cached.
    pub async fn get(&self, id: &str) -> Result<SecretString, SecretError> {
        let slot = self.slot(id);
        let mut value = slot.value.lock().await;
        if let Some((secret, fetched_at)) = value.as_ref() {
            if self.clock.now().saturating_duration_since(*fetched_at) < self.ttl {
                return Ok(secret.clone());
            }
        }
        *value = None;
        let secret = self.source.fetch(id).await?;
        *value = Some((secret.clone(), self.clock.now()));
        Ok(secret)
    }

    /// Forget `id`, so the next [`get`](Self::get) fetches it again (e.g. after the value
    /// turned out to be unusable, so a corrected secret is picked up at once).
    pub fn invalidate(&self, id: &str) {
        self.lock_entries().remove(id);
    }

    /// How many secrets are cached (including expired ones not yet replaced).
    pub fn len(&self) -> usize {
        self.lock_entries().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry for `id`, created (and the least recently used entry evicted, when full) if it
    /// is new.
    fn slot(&self, id: &str) -> Arc<Slot> {
        let now = self.clock.now();
        let mut entries = self.lock_entries();
        if let Some(entry) = entries.get_mut(id) {
            entry.last_used = now;
            return Arc::clone(&entry.slot);
        }
        while entries.len() >= self.max_entries {
            let Some(oldest) = entries.iter().min_by_key(|(_, e)| e.last_used).map(|(k, _)| k.clone()) else {
                break;
            };
            entries.remove(&oldest);
        }
        let slot = Arc::new(Slot::default());
        entries.insert(id.to_string(), Entry { slot: Arc::clone(&slot), last_used: now });
        slot
    }

    fn lock_entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // The map is never left inconsistent by a panic (each operation is one insert or
        // remove), so a poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Why the member external id cannot be read. Names the variable and the secret, never the
/// value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExternalIdError {
    #[error("MEMBER_EXTERNAL_ID_SECRET_ID: {0}")]
    Secret(#[from] SecretError),
    #[error(
        "MEMBER_EXTERNAL_ID_SECRET_ID: secret `{0}` does not hold an sts:ExternalId \
         (2-1224 characters of A-Z a-z 0-9 + = , . @ : / _ -)"
    )]
    NotAnExternalId(String),
}

/// Hub-and-spoke: the external id the hub presents to its members, read from the secret
/// `MEMBER_EXTERNAL_ID_SECRET_ID` names (once: call it at cold start). `None` without members:
/// nothing is read then.
pub async fn member_external_id(
    source: &impl SecretSource,
    members: &crate::settings::MemberAccounts,
) -> Result<Option<crate::collect::members::ExternalId>, ExternalIdError> {
    if members.is_empty() {
        return Ok(None);
    }
    let id = &members.external_id_secret_id;
    let value = source.fetch(id).await?;
    crate::collect::members::ExternalId::parse(value.expose())
        .map(Some)
        .ok_or_else(|| ExternalIdError::NotAnExternalId(id.clone()))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use aws_sdk_secretsmanager::operation::get_secret_value::{GetSecretValueError, GetSecretValueOutput};
    use aws_smithy_mocks::{mock, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    /// A source that counts fetches, answers `value-<n>` for the n-th fetch of an id, fails ids
    /// starting with `bad`, and takes `delay` per fetch.
    #[derive(Default)]
    struct Counting {
        fetches: AtomicUsize,
        delay: Duration,
    }

    impl SecretSource for Counting {
        async fn fetch(&self, id: &str) -> Result<SecretString, SecretError> {
            let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
            if !self.delay.is_zero() {
                tokio::time::sleep(self.delay).await;
            }
            if id.starts_with("bad") {
                return Err(SecretError::Service {
                    id: id.into(),
                    code: "AccessDeniedException".into(),
                    message: None,
                });
            }
            Ok(SecretString::new(format!("{id}-value-{n}")))
        }
    }

    impl Counting {
        fn count(&self) -> usize {
            self.fetches.load(Ordering::SeqCst)
        }
    }

    #[derive(Clone)]
    struct ManualClock {
        base: Instant,
        offset: Arc<Mutex<Duration>>,
    }

    impl ManualClock {
        fn new() -> Self {
            Self { base: Instant::now(), offset: Arc::default() }
        }
        fn advance(&self, by: Duration) {
            *self.offset.lock().unwrap() += by;
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> Instant {
            self.base + *self.offset.lock().unwrap()
        }
    }

    fn cache(ttl: Duration, max: usize) -> (SecretCache<Counting, ManualClock>, ManualClock) {
        let clock = ManualClock::new();
        (SecretCache::with_clock(Counting::default(), clock.clone()).ttl(ttl).max_entries(max), clock)
    }

    #[tokio::test]
    async fn a_value_is_reused_within_the_ttl_and_fetched_again_after_it() {
        // GIVEN a cache with a 5-minute TTL
        let (c, clock) = cache(Duration::from_secs(300), 4);
        // WHEN the secret is read twice within the TTL
        assert_eq!(c.get("hook").await.unwrap().expose(), "hook-value-1");
        clock.advance(Duration::from_secs(299));
        assert_eq!(c.get("hook").await.unwrap().expose(), "hook-value-1");
        // THEN it was fetched once
        assert_eq!(c.source().count(), 1);
        // AND once the TTL has passed, the next read fetches the new value
        clock.advance(Duration::from_secs(1));
        assert_eq!(c.get("hook").await.unwrap().expose(), "hook-value-2");
        assert_eq!(c.source().count(), 2);
    }

    #[tokio::test]
    async fn the_least_recently_used_entry_is_evicted_at_the_bound() {
        // GIVEN a cache of two entries holding a and b, where a was used last
        let (c, clock) = cache(Duration::from_secs(300), 2);
        c.get("a").await.unwrap();
        clock.advance(Duration::from_secs(1));
        c.get("b").await.unwrap();
        clock.advance(Duration::from_secs(1));
        c.get("a").await.unwrap();
        clock.advance(Duration::from_secs(1));
        // WHEN a third secret is read
        c.get("c").await.unwrap();
        // THEN the cache still holds two, b was evicted and a was kept
        assert_eq!(c.len(), 2);
        assert_eq!(c.source().count(), 3);
        assert_eq!(c.get("a").await.unwrap().expose(), "a-value-1");
        assert_eq!(c.source().count(), 3);
        assert_eq!(c.get("b").await.unwrap().expose(), "b-value-4");
        assert_eq!(c.len(), 2);
    }

    #[tokio::test]
    async fn concurrent_callers_of_a_cold_entry_share_one_fetch() {
        // GIVEN a slow source
        let source = Counting { delay: Duration::from_millis(50), ..Default::default() };
        let c = Arc::new(SecretCache::new(source));
        // WHEN eight tasks read the same cold secret at once
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let c = Arc::clone(&c);
                tokio::spawn(async move { c.get("hook").await.map(|s| s.expose().to_string()) })
            })
            .collect();
        let mut values = Vec::new();
        for t in tasks {
            values.push(t.await.unwrap().unwrap());
        }
        // THEN the source was called once and every caller got its value
        assert_eq!(c.source().count(), 1);
        assert!(values.iter().all(|v| v == "hook-value-1"), "{values:?}");
    }

    #[tokio::test]
    async fn a_failed_fetch_is_not_cached() {
        // GIVEN a secret the source cannot read
        let (c, _) = cache(Duration::from_secs(300), 4);
        // WHEN it is read twice
        let first = c.get("bad-hook").await.unwrap_err();
        let second = c.get("bad-hook").await.unwrap_err();
        // THEN both reads went to the source, and the error names the id and the code
        assert_eq!(c.source().count(), 2);
        assert_eq!(first, second);
        assert_eq!(
            first.to_string(),
            "secretsmanager:GetSecretValue on secret `bad-hook` failed: AccessDeniedException"
        );
        assert_eq!(first.id(), "bad-hook");
    }

    #[tokio::test]
    async fn invalidate_forces_a_fetch() {
        let (c, _) = cache(Duration::from_secs(300), 4);
        c.get("hook").await.unwrap();
        c.invalidate("hook");
        assert!(c.is_empty());
        assert_eq!(c.get("hook").await.unwrap().expose(), "hook-value-2");
    }

    #[test]
    fn the_value_is_redacted_in_debug_and_display() {
        let s = SecretString::new("https://hooks.example.com/T0/B0/abcdef");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{s:?}"), "SecretString([redacted])");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(SecretString([redacted]))");
        assert_eq!(s.expose(), "https://hooks.example.com/T0/B0/abcdef");
    }

    fn mocked(rule: &aws_smithy_mocks::Rule) -> SecretsManagerSource {
        SecretsManagerSource::new(crate::test_support::mocked_client!(
            aws_sdk_secretsmanager,
            RuleMode::MatchAny,
            [rule]
        ))
    }

    #[tokio::test]
    async fn secrets_manager_source_reads_the_secret_string_of_the_id() {
        let rule = mock!(aws_sdk_secretsmanager::Client::get_secret_value)
            .match_requests(|r| r.secret_id() == Some("ztscan/webhook"))
            .then_output(|| GetSecretValueOutput::builder().secret_string("https://hooks.example.com/x").build());
        let source = mocked(&rule);
        assert_eq!(source.fetch("ztscan/webhook").await.unwrap().expose(), "https://hooks.example.com/x");
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn secrets_manager_errors_name_the_id_and_code() {
        let rule = mock!(aws_sdk_secretsmanager::Client::get_secret_value).then_error(|| {
            GetSecretValueError::generic(
                ErrorMetadata::builder()
                    .code("ResourceNotFoundException")
                    .message("Secrets Manager can't find the specified secret.")
                    .build(),
            )
        });
        let err = mocked(&rule).fetch("ztscan/missing").await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "secretsmanager:GetSecretValue on secret `ztscan/missing` failed: ResourceNotFoundException: Secrets Manager can't find the specified secret."
        );
    }

    #[tokio::test]
    async fn a_binary_secret_is_an_error() {
        let rule = mock!(aws_sdk_secretsmanager::Client::get_secret_value).then_output(|| {
            GetSecretValueOutput::builder().secret_binary(aws_smithy_types::Blob::new(vec![1, 2, 3])).build()
        });
        let err = mocked(&rule).fetch("ztscan/binary").await.unwrap_err();
        assert_eq!(err, SecretError::NotAString { id: "ztscan/binary".into() });
    }

    fn hub() -> crate::settings::MemberAccounts {
        crate::settings::MemberAccounts {
            accounts: vec!["222222222222".into()],
            role_name: "ztscan-member-audit".into(),
            external_id_secret_id: "ztscan/member-external-id".into(),
        }
    }

    /// A source answering one value or one error for any id, counting its reads.
    struct Fixed(Result<&'static str, SecretError>, std::sync::atomic::AtomicUsize);

    impl SecretSource for Fixed {
        async fn fetch(&self, _id: &str) -> Result<SecretString, SecretError> {
            self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.0.clone().map(SecretString::new)
        }
    }

    #[tokio::test]
    async fn the_member_external_id_is_read_from_its_secret_only_with_members() {
        let source = Fixed(Ok("ztscan-ext-7f3a9c\n"), Default::default());
        let id = member_external_id(&source, &hub()).await.expect("read");
        assert_eq!(id, crate::collect::members::ExternalId::parse("ztscan-ext-7f3a9c"));
        assert!(!format!("{id:?}").contains("7f3a9c"));
        assert_eq!(member_external_id(&source, &Default::default()).await, Ok(None));
        assert_eq!(source.1.load(std::sync::atomic::Ordering::SeqCst), 1, "nothing is read without members");
    }

    #[tokio::test]
    async fn an_unreadable_or_unusable_external_id_is_an_error_naming_the_secret_never_the_value() {
        let denied = Fixed(
            Err(SecretError::Service {
                id: "ztscan/member-external-id".into(),
                code: "AccessDeniedException".into(),
                message: None,
            }),
            Default::default(),
        );
        let e = member_external_id(&denied, &hub()).await.unwrap_err().to_string();
        assert!(
            e.starts_with("MEMBER_EXTERNAL_ID_SECRET_ID: ")
                && e.contains("ztscan/member-external-id")
                && e.contains("AccessDeniedException"),
            "{e}"
        );
        let unusable = Fixed(Ok("a sentence, not an id"), Default::default());
        let e = member_external_id(&unusable, &hub()).await.unwrap_err().to_string();
        assert!(e.contains("ztscan/member-external-id") && !e.contains("not an id"), "{e}");
    }
}
