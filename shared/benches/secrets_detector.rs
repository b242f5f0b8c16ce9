//! Secret detector benchmark: `ztscan::secrets::Detector::scan` over generated environments of
//! 1,000 variables each: benign only, mixed (5 % secrets), all secret, mixed with 10 ignore
//! globs configured, and long values (4 KiB, 64 KiB and 256 KiB, the last beyond
//! `MAX_SCAN_BYTES` to show the truncation). Throughput is variables per second.
//!
//! Every secret-looking value is generated at run time from a seeded xorshift PRNG, so no
//! token sits in the repository. Before measuring, each environment is checked to produce the
//! number of detections it is built for, so the bench measures the paths it claims to.
//!
//! Run with `scripts/bench-lambda.sh` (`cargo bench -p ztscan --bench secrets_detector`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ztscan::secrets::{Detector, MAX_SCAN_BYTES};

/// Variables per generated environment (the short-value groups).
const VARS: usize = 1_000;

/// xorshift64* (Vigna): small, seeded, good enough for generating test data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// `len` characters drawn from `alphabet`.
    fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| alphabet[self.below(alphabet.len())] as char).collect()
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LOWER_HEX: &[u8] = b"0123456789abcdef";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const PRINTABLE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%&*+-=?@^_~";

/// A variable that must not be reported: settings, flags, URLs without credentials, ARNs, SSM
/// paths, dynamic references, numbers, and random-looking values under non-secret names.
fn benign(i: usize, rng: &mut Rng) -> (String, String) {
    let env = rng.pick(&["prod", "staging", "dev"]);
    let app = rng.pick(&["orders", "billing", "search", "auth", "ingest"]);
    match i % 16 {
        0 => ("LOG_LEVEL".into(), rng.pick(&["INFO", "DEBUG", "WARN", "error"]).into()),
        1 => (format!("FEATURE_{}_ENABLED", app.to_uppercase()), rng.pick(&["true", "false", "on", "0"]).into()),
        2 => ("API_BASE_URL".into(), format!("https://api.{app}.example.com/v{}/", 1 + rng.below(3))),
        3 => ("QUEUE_ARN".into(), format!("arn:aws:sqs:us-east-1:123456789012:{app}-{env}-{}", rng.below(100))),
        4 => ("DB_PASSWORD_PARAM".into(), format!("/{app}/{env}/db-password")),
        5 => ("DB_PASSWORD".into(), format!("{{{{resolve:secretsmanager:{env}/{app}/db:SecretString:password}}}}")),
        6 => ("TIMEOUT_SECONDS".into(), (1 + rng.below(900)).to_string()),
        7 => ("PORT".into(), (1024 + rng.below(60_000)).to_string()),
        8 => ("TABLE_NAME".into(), format!("{app}-{env}-table-{}", rng.below(10))),
        9 => (
            "API_TOKEN_SECRET_ARN".into(),
            format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{env}/{app}/token-{}", rng.string(ALNUM, 6)),
        ),
        10 => ("BUILD_SHA".into(), rng.string(LOWER_HEX, 40)),
        11 => ("REDIS_URL".into(), format!("redis://cache.{app}.internal:6379/0")),
        12 => ("POWERTOOLS_SERVICE_NAME".into(), app.into()),
        13 => ("SESSION_TOKEN_TTL".into(), (60 * (1 + rng.below(60))).to_string()),
        14 => ("DATABASE_URL".into(), format!("postgres://{app}@db.{env}.internal:5432/{app}")),
        _ => ("ADMIN_PASSWORD".into(), rng.pick(&["changeme", "<set-me>", "${ADMIN_PASSWORD}", "********"]).into()),
    }
}

/// A variable that must be reported: provider patterns (any name) and key-name heuristic hits.
fn secret(i: usize, rng: &mut Rng) -> (String, String) {
    let extra = rng.below(12);
    match i % 14 {
        0 => ("DEPLOY_KEY_ID".into(), format!("AKIA{}", rng.string(UPPER_ALNUM, 16))),
        1 => ("AWS_SECRET_ACCESS_KEY".into(), rng.string(B64, 40)),
        2 => ("GH".into(), format!("ghp_{}", rng.string(ALNUM, 36))),
        3 => ("PAYMENTS".into(), format!("sk_live_{}", rng.string(ALNUM, 24 + extra))),
        4 => ("SLACK".into(), format!("xoxb-{}-{}", rng.string(b"0123456789", 12), rng.string(ALNUM, 24))),
        5 => (
            "ALERTS_HOOK".into(),
            format!(
                "https://hooks.slack.com/services/T{}/B{}/{}",
                rng.string(UPPER_ALNUM, 8),
                rng.string(UPPER_ALNUM, 8),
                rng.string(ALNUM, 24)
            ),
        ),
        6 => ("MAPS".into(), format!("AIza{}", rng.string(B64URL, 35))),
        7 => ("MAIL".into(), format!("SG.{}.{}", rng.string(B64URL, 22), rng.string(B64URL, 43))),
        8 => ("SMS".into(), format!("SK{}", rng.string(LOWER_HEX, 32))),
        9 => (
            "SESSION".into(),
            format!("eyJ{}.eyJ{}.{}", rng.string(B64URL, 20), rng.string(B64URL, 40), rng.string(B64URL, 43)),
        ),
        10 => ("DATABASE_URL".into(), format!("postgres://app:{}@db.internal:5432/app", rng.string(ALNUM, 20))),
        11 => ("DB_PASSWORD".into(), rng.string(PRINTABLE, 12 + extra)),
        12 => ("STRIPE_WEBHOOK_SECRET".into(), rng.string(ALNUM, 32)),
        _ => ("API_KEY".into(), rng.string(LOWER_HEX, 32)),
    }
}

/// A PEM private key block of about `len` bytes of base64 body.
fn pem(rng: &mut Rng, len: usize) -> String {
    let lines: Vec<String> = (0..len.div_ceil(64)).map(|_| rng.string(B64, 64)).collect();
    format!("-----BEGIN {}-----\n{}\n-----END {}-----", "RSA PRIVATE KEY", lines.join("\n"), "RSA PRIVATE KEY")
}

/// `VARS` variables, `secret_every`-th of them a secret (0: none; 1: all).
fn environment(seed: u64, secret_every: usize) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed);
    (0..VARS)
        .map(|i| {
            if secret_every != 0 && i.is_multiple_of(secret_every) {
                secret(i / secret_every, &mut rng)
            } else {
                benign(i, &mut rng)
            }
        })
        .collect()
}

/// Ten ignore globs a team might configure; two of them match variables of the mixed set
/// (`SMS`, `*_WEBHOOK_SECRET`), the rest match nothing.
fn ignore_globs() -> Vec<String> {
    [
        "BUILD_*",
        "*_SHA",
        "GIT_COMMIT",
        "DD_*",
        "OTEL_*",
        "*_CHECKSUM",
        "SENTRY_RELEASE",
        "TRACE_ID?",
        "SMS",
        "*_WEBHOOK_SECRET",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn detections(detector: &Detector, env: &[(String, String)]) -> usize {
    env.iter().filter(|(n, v)| detector.scan(n, v).is_some()).count()
}

/// Panic (before any measurement) when an environment does not produce what it is built for.
fn check(label: &str, got: usize, want: usize) {
    assert_eq!(got, want, "{label}: the generated environment gives {got} detections, expected {want}");
}

fn bench(c: &mut Criterion) {
    let plain = Detector::new(&[]);
    let ignoring = Detector::new(&ignore_globs());
    let scan = |d: &Detector, env: &[(String, String)]| {
        env.iter().filter(|(n, v)| d.scan(black_box(n), black_box(v)).is_some()).count()
    };

    let benign_env = environment(0x5EED_0001, 0);
    let mixed_env = environment(0x5EED_0002, 20);
    let all_env = environment(0x5EED_0003, 1);
    check("benign", detections(&plain, &benign_env), 0);
    check("mixed", detections(&plain, &mixed_env), VARS / 20);
    check("all-secret", detections(&plain, &all_env), VARS);
    let ignored = mixed_env.iter().filter(|(n, _)| n == "SMS" || n == "STRIPE_WEBHOOK_SECRET").count();
    check("mixed, 10 ignore globs", detections(&ignoring, &mixed_env), VARS / 20 - ignored);

    let mut group = c.benchmark_group("secrets");
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(VARS as u64));
    group.bench_with_input(BenchmarkId::new("benign", VARS), &benign_env, |b, e| b.iter(|| scan(&plain, e)));
    group.bench_with_input(BenchmarkId::new("mixed_5pct", VARS), &mixed_env, |b, e| b.iter(|| scan(&plain, e)));
    group.bench_with_input(BenchmarkId::new("all_secret", VARS), &all_env, |b, e| b.iter(|| scan(&plain, e)));
    group.bench_with_input(BenchmarkId::new("mixed_5pct_10_ignore_globs", VARS), &mixed_env, |b, e| {
        b.iter(|| scan(&ignoring, e))
    });
    group.finish();

    // Long values, 8 variables per size: a base64 blob and a JSON document under setting
    // names (benign), a PEM private key (its header is at the start, so it is always found),
    // and a PEM key after `size` bytes of base64: found while it starts within the first
    // MAX_SCAN_BYTES, not beyond (the truncation).
    let mut group = c.benchmark_group("secrets_long");
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    let mut rng = Rng::new(0x5EED_0004);
    for &size in &[4 * 1024, 64 * 1024, 256 * 1024] {
        let env: Vec<(String, String)> = (0..8)
            .map(|i| match i % 4 {
                0 => ("CONFIG_BLOB".to_string(), rng.string(B64, size)),
                1 => {
                    let items: Vec<String> =
                        (0..size / 32).map(|k| format!("{{\"k{k}\":\"{}\"}}", rng.string(ALNUM, 20))).collect();
                    ("ROUTES_JSON".to_string(), format!("[{}]", items.join(",")))
                }
                2 => ("SIGNING_KEY".to_string(), pem(&mut rng, size)),
                _ => ("LATE_KEY".to_string(), format!("{}\n{}", rng.string(B64, size), pem(&mut rng, 1_600))),
            })
            .collect();
        // The late key is found only while it starts within the scanned prefix.
        let late_found = usize::from(size + 1 < MAX_SCAN_BYTES);
        check(&format!("long values of {size} bytes"), detections(&plain, &env), 2 + 2 * late_found);
        group.throughput(Throughput::Elements(env.len() as u64));
        group.bench_with_input(BenchmarkId::new("8_values", format!("{}KiB", size / 1024)), &env, |b, e| {
            b.iter(|| scan(&plain, e))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
