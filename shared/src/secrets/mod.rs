//! Secret detection for environment variables (e.g. Lambda function configuration).
//!
//! [`Detector::scan`] looks at one `NAME=value` pair and reports which detector fired, never
//! the value: [`Detection`] holds only the variable name and a `&'static str` detector id, so
//! neither its `Debug` nor its `Display` can leak secret material.
//!
//! Order of evaluation for one variable:
//!
//! 1. the name matches an ignore glob (`*`/`?`, case-insensitive) → not reported;
//! 2. empty/blank values, *references* to secrets and *placeholders* → not reported:
//!    - any ARN (`arn:aws:secretsmanager:...`, `arn:aws:ssm:...`), dynamic references
//!      (`{{resolve:secretsmanager:...}}`, `{{resolve:ssm-secure:...}}`), SSM parameter paths
//!      (`/app/prod/db-password`) and secret names shaped like paths (`prod/app/db`);
//!    - placeholders: `<...>`, `${...}`, `$(...)`, `{{...}}`, `$NAME`, values made of one
//!      repeated character or only `x`/`*`/`.`/`-`/`_` (`xxx`, `****`), and well-known
//!      placeholder words (`changeme`, `placeholder`, `redacted`, `todo`, `your-...`).
//!      **Decision:** `changeme` is treated as a placeholder and *not* flagged: this detector
//!      looks for leaked secret material, not weak defaults;
//! 3. provider patterns anywhere in the value (see [`patterns`]): private keys, AWS access key
//!    ids, GitHub, Stripe, Slack tokens and webhooks, Google API keys, SendGrid, Twilio, JWTs;
//! 4. URLs with a password in their userinfo (`postgres://u:p@host`); a URL without a password
//!    (or with a placeholder password) is not flagged, by this or any later step;
//! 5. AWS secret access keys: exactly 40 `[A-Za-z0-9+/]` when the name mentions AWS and SECRET
//!    (or `SECRET_ACCESS_KEY`) with ≥ 3.0 bits/char, or when the name has a SECRET word and the
//!    value has ≥ 4.0 bits/char;
//! 6. the generic heuristic (see [`entropy`] for the floors): the name, split on `_`, `-` and
//!    `.`, has a word PASSWORD, PASSWD, PWD, SECRET(S), TOKEN(S), AUTH, CREDENTIAL(S), APIKEY
//!    (or a word ending in PASSWORD/PASSWD/SECRET/TOKEN/APIKEY, e.g. `DBPASSWORD`), or the
//!    word pairs API+KEY / PRIVATE+KEY; names whose last word is ARN, NAME, ID, PATH, PARAM,
//!    PARAMETER, FILE, URL, URI, ENDPOINT, REGION, TTL, TIMEOUT, LENGTH, EXPIRY or ENABLED
//!    name a reference or a setting and are skipped. Values that are flags or log levels
//!    (`true`, `no`, `enabled`, `DEBUG`, ...), contain whitespace or `://`, or are purely
//!    numeric are skipped.
//!
//! Values longer than [`MAX_SCAN_BYTES`] are scanned on their first `MAX_SCAN_BYTES` only.

pub mod entropy;
pub mod patterns;

use std::fmt;

use crate::policy::wildcard_match;

/// Longest prefix of a value that is inspected.
pub const MAX_SCAN_BYTES: usize = 64 * 1024;

/// One variable that looks like it holds a secret. Holds no part of the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// The environment variable's name.
    pub variable: String,
    /// Which detector fired (one of the ids in [`patterns`]).
    pub detector: &'static str,
}

impl fmt::Display for Detection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "environment variable {} looks like a secret ({})", self.variable, self.detector)
    }
}

/// Scans environment variables for secret material.
#[derive(Debug, Clone, Default)]
pub struct Detector {
    ignore: Vec<String>,
}

impl Detector {
    /// A detector that skips variables whose name matches any of `ignore` (globs with `*` and
    /// `?`, case-insensitive).
    pub fn new(ignore: &[String]) -> Self {
        Self { ignore: ignore.to_vec() }
    }

    /// Scan one variable; `None` when nothing secret-looking is found.
    pub fn scan(&self, name: &str, value: &str) -> Option<Detection> {
        if self.ignore.iter().any(|p| wildcard_match(p, name, true)) {
            return None;
        }
        let detector = classify(name, truncate(value))?;
        Some(Detection { variable: name.to_string(), detector })
    }

    /// Scan many variables, in order.
    pub fn scan_all<'a>(&self, vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<Detection> {
        vars.into_iter().filter_map(|(name, value)| self.scan(name, value)).collect()
    }
}

fn truncate(value: &str) -> &str {
    if value.len() <= MAX_SCAN_BYTES {
        return value;
    }
    let mut end = MAX_SCAN_BYTES;
    while end > 0 && !value.is_char_boundary(end) {
        end -= 1;
    }
    value.get(..end).unwrap_or("")
}

fn classify(name: &str, value: &str) -> Option<&'static str> {
    let value = value.trim();
    if value.is_empty() || is_reference(value) || is_placeholder(value) {
        return None;
    }
    if let Some((id, _)) = patterns::PROVIDERS.iter().find(|(_, m)| m(value)) {
        return Some(id);
    }
    if patterns::connection_string(value) {
        return Some(patterns::CONNECTION_STRING);
    }
    let words = name_words(name);
    if aws_secret_access_key(name, &words, value) {
        return Some(patterns::AWS_SECRET_ACCESS_KEY);
    }
    if generic(&words, value) {
        return Some(patterns::GENERIC);
    }
    None
}

/// Upper-cased name words, split on `_`, `-`, `.`, `/` (the levels of an SSM parameter name such
/// as `/app/prod/db-password`; environment variable names have none) and whitespace.
fn name_words(name: &str) -> Vec<String> {
    name.split(|c: char| c == '_' || c == '-' || c == '.' || c == '/' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect()
}

fn aws_secret_access_key(name: &str, words: &[String], value: &str) -> bool {
    if value.len() != 40 || !value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/') {
        return false;
    }
    let upper = name.to_ascii_uppercase();
    let aws_named = (upper.contains("AWS") && upper.contains("SECRET"))
        || upper.contains("SECRET_ACCESS_KEY")
        || upper.contains("SECRETACCESSKEY");
    let bits = entropy::shannon(value);
    let secret_word = words.iter().any(|w| w.contains("SECRET"));
    (aws_named && bits >= 3.0) || (secret_word && bits >= 4.0)
}

const SENSITIVE_SUFFIXES: &[&str] = &["PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY"];
const SENSITIVE_EXACT: &[&str] = &["PWD", "AUTH", "SECRETS", "TOKENS", "CREDENTIAL", "CREDENTIALS"];
const SETTING_LAST_WORDS: &[&str] = &[
    "ARN",
    "NAME",
    "ID",
    "PATH",
    "PARAM",
    "PARAMETER",
    "FILE",
    "URL",
    "URI",
    "ENDPOINT",
    "REGION",
    "TTL",
    "TIMEOUT",
    "LENGTH",
    "EXPIRY",
    "ENABLED",
];
const FLAG_VALUES: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "0", "1", "enabled", "disabled", "enable", "disable", "none", "null",
    "nil", "debug", "info", "warn", "warning", "error", "trace", "fatal", "critical",
];
const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "redacted",
    "todo",
    "tbd",
    "dummy",
    "example",
    "undefined",
    "secret",
    "password",
];

/// (sensitive, password-like)
fn name_sensitivity(words: &[String]) -> (bool, bool) {
    if words.last().is_some_and(|w| SETTING_LAST_WORDS.contains(&w.as_str())) {
        return (false, false);
    }
    let password_like = words.iter().any(|w| w == "PWD" || w.ends_with("PASSWORD") || w.ends_with("PASSWD"));
    let sensitive = password_like
        || words
            .iter()
            .any(|w| SENSITIVE_EXACT.contains(&w.as_str()) || SENSITIVE_SUFFIXES.iter().any(|s| w.ends_with(s)))
        || words.windows(2).any(|p| (p[0] == "API" || p[0] == "PRIVATE") && p[1] == "KEY");
    (sensitive, password_like)
}

fn generic(words: &[String], value: &str) -> bool {
    let (sensitive, password_like) = name_sensitivity(words);
    if !sensitive
        || value.contains("://")
        || value.chars().any(char::is_whitespace)
        || FLAG_VALUES.iter().any(|f| value.eq_ignore_ascii_case(f))
    {
        return false;
    }
    entropy::clears_floor(value, password_like)
}

/// Values that point at a secret stored elsewhere rather than containing one.
fn is_reference(value: &str) -> bool {
    value.starts_with("arn:") || value.contains("{{resolve:") || is_path_like(value)
}

/// `/app/prod/db-password` (SSM) or `prod/app/db-credentials` (Secrets Manager name): `/`
/// separated segments whose `-`/`_`/`.` separated words are letters optionally followed by
/// digits, or digits only (`v2`, `app01`, `2024`) — random base64 with `/` does not fit.
fn is_path_like(value: &str) -> bool {
    if !value.contains('/') {
        return false;
    }
    let body = value.strip_prefix('/').unwrap_or(value);
    !body.is_empty()
        && body
            .split('/')
            .all(|seg| !seg.is_empty() && seg.split(['-', '_', '.']).all(|w| !w.is_empty() && is_wordish(w)))
}

fn is_wordish(w: &str) -> bool {
    let b = w.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let rest = b.get(letters..).unwrap_or(&[]);
    let lower_or_title = b
        .get(1..letters)
        .is_none_or(|tail| tail.iter().all(u8::is_ascii_lowercase) || tail.iter().all(u8::is_ascii_uppercase));
    lower_or_title && rest.iter().all(u8::is_ascii_digit)
}

/// Template markers and obvious dummy values.
pub(crate) fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    let wrapped = |open: &str, close: &str| v.starts_with(open) && v.ends_with(close);
    wrapped("<", ">")
        || wrapped("${", "}")
        || wrapped("$(", ")")
        || wrapped("{{", "}}")
        || wrapped("%(", ")s")
        || (v.starts_with('$') && v.len() > 1 && v.bytes().skip(1).all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        || {
            let mut chars = v.chars();
            let first = chars.next();
            v.chars().count() > 1 && chars.all(|c| Some(c) == first)
        }
        || v.chars().all(|c| matches!(c, 'x' | 'X' | '*' | '.' | '-' | '_'))
        || PLACEHOLDER_WORDS.contains(&lower.as_str())
        || lower.starts_with("your-")
        || lower.starts_with("your_")
        || lower.starts_with("<your")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det() -> Detector {
        Detector::new(&[])
    }

    fn hit(name: &str, value: &str) -> Option<&'static str> {
        det().scan(name, value).map(|d| d.detector)
    }

    /// Test tokens are assembled at run time so no literal token sits in the source.
    fn rep(unit: &str, n: usize) -> String {
        unit.repeat(n)
    }

    #[test]
    fn positives() {
        let jwt = format!(
            "eyJhbGciOiJIUzI1NiJ9.{}.{}",
            "eyJzdWIiOiIxMjM0NTY3ODkwIn0", "dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        let cases: Vec<(&str, String, &str)> = vec![
            ("ACCESS", format!("AKIA{}", "Q7ZK3M9XW2PL5RTB"), patterns::AWS_ACCESS_KEY_ID),
            ("SESSION", format!("ASIA{}", "Q7ZK3M9XW2PL5RTB"), patterns::AWS_ACCESS_KEY_ID),
            (
                "AWS_SECRET_ACCESS_KEY",
                format!("{}/{}+{}", "Zx9Qw3Er7Ty1Ui5Op", "As2Df6Gh0Jk4L", "zXcVbNm8"),
                patterns::AWS_SECRET_ACCESS_KEY,
            ),
            (
                "MY_SECRET",
                format!("{}/{}+{}", "Zx9Qw3Er7Ty1Ui5Op", "As2Df6Gh0Jk4L", "zXcVbNm8"),
                patterns::AWS_SECRET_ACCESS_KEY,
            ),
            ("PAY", format!("sk_live_{}", rep("4eC39HqLyjWD", 2)), patterns::STRIPE),
            ("PAY", format!("rk_live_{}", rep("4eC39HqLyjWDa", 2)), patterns::STRIPE),
            ("GH", format!("ghp_{}", rep("a1B2c3", 6)), patterns::GITHUB),
            ("GH", format!("ghs_{}", rep("Z9y8X7", 6)), patterns::GITHUB),
            ("GH", format!("gho_{}", rep("Z9y8X7", 6)), patterns::GITHUB),
            ("GH", format!("ghu_{}", rep("Z9y8X7", 6)), patterns::GITHUB),
            ("GH", format!("ghr_{}", rep("Z9y8X7", 6)), patterns::GITHUB),
            ("GH", format!("github_pat_{}", rep("11ABCDEFG0", 3)), patterns::GITHUB),
            ("AUTH_HEADER", format!("Bearer ghp_{}", rep("a1B2c3", 6)), patterns::GITHUB),
            ("SLACK", format!("xoxb-{}-{}", "1234567890", "abcdefABCDEF"), patterns::SLACK_TOKEN),
            ("SLACK", format!("xoxp-{}", "1234567890-abc"), patterns::SLACK_TOKEN),
            ("SLACK", format!("xoxa-{}", "2-1234567890"), patterns::SLACK_TOKEN),
            ("SLACK", format!("xoxr-{}", "1234567890ab"), patterns::SLACK_TOKEN),
            (
                "HOOK",
                format!("https://hooks.slack.com/services/{}/{}/{}", "T0001", "B0002", rep("Xy7", 8)),
                patterns::SLACK_WEBHOOK,
            ),
            (
                "KEY",
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----".into(),
                patterns::PRIVATE_KEY,
            ),
            ("KEY", "-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----".into(), patterns::PRIVATE_KEY),
            ("SSH", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n".into(), patterns::PRIVATE_KEY),
            ("SESSION_DATA", jwt, patterns::JWT),
            ("DATABASE_URL", "postgres://app:s3cr3tP4ss@db.internal:5432/app".into(), patterns::CONNECTION_STRING),
            ("DB", "mysql://root:hunter2@10.0.0.1/db".into(), patterns::CONNECTION_STRING),
            (
                "MONGO",
                "mongodb+srv://u:p4ss@cluster0.example.net/?retryWrites=true".into(),
                patterns::CONNECTION_STRING,
            ),
            ("CACHE", "redis://:redispass@cache:6379/0".into(), patterns::CONNECTION_STRING),
            ("MQ", "amqp://guest:Gu3st!@rabbit:5672/vhost".into(), patterns::CONNECTION_STRING),
            ("MAPS", format!("AIza{}", "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"), patterns::GOOGLE_API_KEY),
            (
                "MAIL",
                format!("SG.{}.{}", "ngeVfQFYQlKU0ufo8x5d1A", "TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr"),
                patterns::SENDGRID,
            ),
            ("TW", format!("SK{}", rep("0a1b2c3d", 4)), patterns::TWILIO),
            ("DB_PASSWORD", "Xk9#mQ2!vL".into(), patterns::GENERIC),
            ("db-password", "mysecretpassword".into(), patterns::GENERIC),
            ("DBPASSWORD", "Tr0ub4dor&3x".into(), patterns::GENERIC),
            ("MYSQL_PWD", "Tr0ub4dor&3x".into(), patterns::GENERIC),
            ("SMTP_PASSWD", "Tr0ub4dor&3x".into(), patterns::GENERIC),
            ("API_TOKEN", "9f86d081884c7d659a2feaa0c55ad015".into(), patterns::GENERIC),
            ("CLIENT_SECRET", "q8Zr2LwX5vN0pK7tB3mY".into(), patterns::GENERIC),
            ("SERVICE_API_KEY", "q8Zr2LwX5vN0pK7tB3mY".into(), patterns::GENERIC),
            ("SERVICE_APIKEY", "q8Zr2LwX5vN0pK7tB3mY".into(), patterns::GENERIC),
            ("JWT_PRIVATE_KEY", "q8Zr2LwX5vN0pK7tB3mY".into(), patterns::GENERIC),
            ("SERVICE_CREDENTIALS", "q8Zr2LwX5vN0pK7tB3mY".into(), patterns::GENERIC),
            ("BASIC_AUTH", "adm1n:q8Zr2LwX5vN0pK7t".into(), patterns::GENERIC),
            ("TOKEN", "  q8Zr2LwX5vN0pK7tB3mY  ".into(), patterns::GENERIC),
            ("/app/prod/db/password", "Tr0ub4dor&3x".into(), patterns::GENERIC),
            ("/app/prod/api-token", "q8Zr2LwX5vN0pK7tB3mY".into(), patterns::GENERIC),
        ];
        for (name, value, want) in &cases {
            assert_eq!(hit(name, value), Some(*want), "{name} should be {want}");
        }
    }

    #[test]
    fn negatives() {
        let cases: Vec<(&str, String)> = vec![
            ("DB_SECRET", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf".into()),
            ("DB_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf".into()),
            ("DB_PASSWORD", "{{resolve:secretsmanager:prod/db:SecretString:password}}".into()),
            ("API_TOKEN", "{{resolve:ssm-secure:/app/prod/token:1}}".into()),
            ("DB_PASSWORD", "/app/prod/db-password".into()),
            ("DB_PASSWORD_PARAM", "/app/prod/db-password".into()),
            ("API_TOKEN", "arn:aws:ssm:eu-west-1:123456789012:parameter/app/prod/token".into()),
            ("DB_SECRET", "prod/myapp/db-credentials".into()),
            ("DB_SECRET", "Prod/App01/v2".into()),
            ("SECRET_NAME", "prod-db-secret-2024".into()),
            ("SECRET_ID", "prod-db-secret-2024".into()),
            ("ENABLE_PASSWORD_RESET", "true".into()),
            ("PASSWORD_RESET", "false".into()),
            ("AUTH_ENABLED", "yes".into()),
            ("AUTH", "enabled".into()),
            ("TOKEN", "0".into()),
            ("TOKEN", "1".into()),
            ("SECRET", "no".into()),
            ("AUTH_LOG_LEVEL", "DEBUG".into()),
            ("TOKEN_LEVEL", "info".into()),
            ("AUTH_URL", "https://auth.example.com/oauth2/token".into()),
            ("DATABASE_URL", "postgres://app@db.internal:5432/app".into()),
            ("DATABASE_URL", "postgres://db.internal:5432/app".into()),
            ("DATABASE_URL", "postgres://app:${DB_PASSWORD}@db:5432/app".into()),
            ("DATABASE_URL", "postgres://app:<password>@db:5432/app".into()),
            ("DATABASE_URL", "postgres://app:xxx@db:5432/app".into()),
            ("HOME_PAGE", "https://example.com/a:b@c".into()),
            ("DB_PASSWORD", "".into()),
            ("DB_PASSWORD", "   ".into()),
            ("DB_PASSWORD", "abc12".into()),
            ("API_TOKEN", "short1".into()),
            ("DB_PASSWORD", "changeme".into()),
            ("DB_PASSWORD", "CHANGE_ME".into()),
            ("DB_PASSWORD", "<your password here>".into()),
            ("DB_PASSWORD", "${DB_PASSWORD}".into()),
            ("DB_PASSWORD", "$DB_PASSWORD".into()),
            ("API_KEY", "xxx".into()),
            ("API_KEY", "xxxxxxxxxxxxxxxxxxxxxxxx".into()),
            ("API_KEY", "********".into()),
            ("API_KEY", "your-api-key-here".into()),
            ("API_KEY", "placeholder".into()),
            ("TOKEN_TTL", "3600".into()),
            ("AUTH_TIMEOUT", "30000".into()),
            ("PIN_TOKEN", "12345678901234567890".into()),
            ("API_TOKEN", "aaaaaaaabbbbbbbbaaaaaaaa".into()),
            ("AUTHOR", "q8Zr2LwX5vN0pK7tB3mY".into()),
            ("TOKENIZER_MODEL", "q8Zr2LwX5vN0pK7tB3mY".into()),
            ("DESCRIPTION", "The password is stored in Secrets Manager".into()),
            ("SECRET_HINT", "stored in vault under ops".into()),
            ("FUNCTION_NAME", "my-function".into()),
            ("REGION", "eu-west-1".into()),
            ("BUCKET", "my-bucket-123".into()),
            ("AKIA_LIKE", format!("AKIA{}", "Q7ZK3M9XW2PL5RT")),
            ("AKIA_LIKE", format!("AKIA{}", "Q7ZK3M9XW2PL5RTBZ")),
            ("AKIA_LIKE", format!("XAKIA{}", "Q7ZK3M9XW2PL5RTB")),
            ("GH", format!("ghp_{}", rep("a1B2c3", 5))),
            ("PAY", format!("sk_live_{}", "4eC39HqLyjWD")),
            ("PAY", format!("sk_test_{}", rep("4eC39HqLyjWD", 2))),
            ("SLACK", "xoxb-123".into()),
            ("HOOK", "https://hooks.slack.com/services/".into()),
            ("CERT", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".into()),
            ("PUB", "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----".into()),
            ("JSON", "eyJhbGciOiJIUzI1NiJ9".into()),
            ("MAPS", format!("AIza{}", "SyD-9tSrke72")),
            ("TW", format!("SK{}", rep("0a1b2c3d", 3))),
            ("AWS_SECRET_ACCESS_KEY", rep("a", 40)),
            ("AWS_REGION", "us-east-1".into()),
            ("JWT_HEADER", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0".into()),
            ("JWT_LIKE", "xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefgh".into()),
            ("MAIL", format!("SG.{}.{}", "ngeVfQFYQlKU0ufo8x5d1", "TwL2iGABf9DHoTf")),
            ("TW", format!("SK{}", rep("0a1b2c3d", 5))),
            ("MAPS", format!("AIza{}", "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWYZZ")),
            ("DATABASE_URL", "postgres://app:@db:5432/app".into()),
            ("DATABASE_URL", "redis://cache:6379/0".into()),
            ("DATABASE_URL", "jdbc:postgresql://db:5432/app?user=app".into()),
            ("NORMAL", format!("{}/{}+{}", "Zx9Qw3Er7Ty1Ui5Op", "As2Df6Gh0Jk4L", "zXcVbNm8")),
        ];
        for (name, value) in &cases {
            assert_eq!(hit(name, value), None, "{name}={value} should not be flagged");
        }
    }

    #[test]
    fn ignore_globs_are_case_insensitive() {
        let d = Detector::new(&["*_pass?ord".to_string(), "LEGACY_*".to_string()]);
        assert!(d.scan("DB_PASSWORD", "Xk9#mQ2!vL").is_none());
        assert!(d.scan("legacy_token", "q8Zr2LwX5vN0pK7tB3mY").is_none());
        assert!(d.scan("API_TOKEN", "q8Zr2LwX5vN0pK7tB3mY").is_some());
    }

    #[test]
    fn scan_all_keeps_order_and_names() {
        let gh = format!("ghp_{}", rep("a1B2c3", 6));
        let vars = vec![
            ("A", "plain"),
            ("GH_TOKEN", gh.as_str()),
            ("DB_PASSWORD", "Xk9#mQ2!vL"),
            ("ENABLE_PASSWORD_RESET", "true"),
        ];
        let found = det().scan_all(vars);
        let got: Vec<(&str, &str)> = found.iter().map(|d| (d.variable.as_str(), d.detector)).collect();
        assert_eq!(got, vec![("GH_TOKEN", patterns::GITHUB), ("DB_PASSWORD", patterns::GENERIC)]);
    }

    #[test]
    fn detection_never_shows_the_value() {
        let values = [
            format!("ghp_{}", rep("a1B2c3", 6)),
            "Xk9#mQ2!vL".to_string(),
            "postgres://app:s3cr3tP4ss@db.internal:5432/app".to_string(),
        ];
        for value in &values {
            let d = det().scan("SOME_PASSWORD", value);
            let Some(d) = d else {
                panic!("expected a detection");
            };
            let debug = format!("{d:?}");
            let display = format!("{d}");
            assert!(!debug.contains(value.as_str()), "{debug}");
            assert!(!display.contains(value.as_str()), "{display}");
            assert!(!debug.contains("s3cr3tP4ss") && !display.contains("s3cr3tP4ss"));
            assert!(display.contains("SOME_PASSWORD"));
        }
    }

    #[test]
    fn odd_inputs_never_panic() {
        let long = "é".repeat(MAX_SCAN_BYTES);
        let long_token = format!("{}ghp_{}", "x".repeat(MAX_SCAN_BYTES + 1), rep("a1B2c3", 6));
        let odd = [
            "\u{0}",
            "ünïcödé✓🔑",
            "🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑",
            "pässwörd✓🔑ЖЖ漢字",
            "://",
            ":////@@@::",
            "a://:@",
            "eyJ.eyJ.",
            "eyJ",
            "AKIA",
            "SG.",
            "-----BEGIN ",
            "-----BEGIN PRIVATE KEY",
            "$",
            "<>",
            "{{}}",
            "/",
            "//",
            "x://é:ü@ß",
            long.as_str(),
            long_token.as_str(),
        ];
        let names = ["DB_PASSWORD", "API_TOKEN", "", "ü_SECRET", "🔑", "AWS_SECRET_ACCESS_KEY"];
        for name in names {
            for value in odd {
                let _ = det().scan(name, value);
            }
        }
        let pathological = "eyJ".repeat(50_000) + &"://".repeat(20_000) + &"AKIA".repeat(20_000);
        let _ = det().scan("TOKEN", &pathological);
        // A unicode password under a password-like name is still a password.
        assert_eq!(hit("DB_PASSWORD", "pässwörd✓🔑ЖЖ漢字"), Some(patterns::GENERIC));
        // Beyond MAX_SCAN_BYTES nothing is inspected.
        assert_eq!(hit("NOTE", &long_token), None);
    }
}
