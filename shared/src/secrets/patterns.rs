//! Hand-rolled matchers for provider-specific secret formats (no `regex` dependency).
//!
//! Every matcher works on bytes, looks for a fixed ASCII prefix and then checks the characters
//! that follow; prefixes must start at a token boundary (start of value or after a
//! non-alphanumeric byte) so that a token embedded in a longer word is not reported twice or
//! mis-attributed. All matchers are linear-ish in the value length and never panic.

/// AWS access key id: `AKIA`/`ASIA` + 16 upper-case alphanumerics.
pub const AWS_ACCESS_KEY_ID: &str = "aws-access-key-id";
/// AWS secret access key: 40 base64-ish characters (decided in `mod.rs`, needs the name).
pub const AWS_SECRET_ACCESS_KEY: &str = "aws-secret-access-key";
/// Stripe live secret / restricted key.
pub const STRIPE: &str = "stripe-live-key";
/// GitHub personal access, OAuth, user-to-server, server-to-server, refresh and fine-grained tokens.
pub const GITHUB: &str = "github-token";
/// Slack bot/user/app/refresh tokens.
pub const SLACK_TOKEN: &str = "slack-token";
/// Slack incoming webhook URL.
pub const SLACK_WEBHOOK: &str = "slack-webhook";
/// PEM private key block.
pub const PRIVATE_KEY: &str = "private-key";
/// JSON Web Token.
pub const JWT: &str = "jwt";
/// URL with a password in its userinfo (`scheme://user:password@host`).
pub const CONNECTION_STRING: &str = "connection-string-password";
/// Google API key.
pub const GOOGLE_API_KEY: &str = "google-api-key";
/// SendGrid API key.
pub const SENDGRID: &str = "sendgrid-api-key";
/// Twilio API key sid.
pub const TWILIO: &str = "twilio-api-key";
/// Generic key-name + entropy heuristic.
pub const GENERIC: &str = "generic-high-entropy";

/// A matcher over a whole (trimmed) value.
pub type Matcher = fn(&str) -> bool;

/// Every provider matcher with its detector id, in the order they are tried.
pub const PROVIDERS: &[(&str, Matcher)] = &[
    (PRIVATE_KEY, private_key),
    (AWS_ACCESS_KEY_ID, aws_access_key_id),
    (GITHUB, github),
    (STRIPE, stripe),
    (SLACK_WEBHOOK, slack_webhook),
    (SLACK_TOKEN, slack_token),
    (GOOGLE_API_KEY, google_api_key),
    (SENDGRID, sendgrid),
    (TWILIO, twilio),
    (JWT, jwt),
];

fn boundary_before(b: &[u8], i: usize) -> bool {
    i == 0 || b.get(i - 1).is_none_or(|c| !c.is_ascii_alphanumeric())
}

fn boundary_at(b: &[u8], i: usize, token: fn(u8) -> bool) -> bool {
    b.get(i).is_none_or(|&c| !token(c))
}

/// Number of bytes from `start` satisfying `pred`.
fn run(b: &[u8], start: usize, pred: fn(u8) -> bool) -> usize {
    b.get(start..).map_or(0, |rest| rest.iter().take_while(|&&c| pred(c)).count())
}

/// Byte offsets of `prefix` occurrences at a token boundary.
fn starts<'a>(value: &'a str, prefix: &'a str) -> impl Iterator<Item = usize> + 'a {
    let b = value.as_bytes();
    value.match_indices(prefix).map(|(i, _)| i).filter(move |&i| boundary_before(b, i))
}

fn upper_alnum(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}
fn alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}
fn url_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}
fn alnum_underscore(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}
fn hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

/// `prefix` followed by exactly `len` bytes of `class` (then a boundary).
fn fixed(value: &str, prefix: &str, len: usize, class: fn(u8) -> bool) -> bool {
    let b = value.as_bytes();
    starts(value, prefix).any(|i| run(b, i + prefix.len(), class) == len)
}

/// `prefix` followed by at least `min` bytes of `class`.
fn at_least(value: &str, prefix: &str, min: usize, class: fn(u8) -> bool) -> bool {
    let b = value.as_bytes();
    starts(value, prefix).any(|i| run(b, i + prefix.len(), class) >= min)
}

/// `AKIA`/`ASIA` + 16 `[A-Z0-9]`, not followed by another alphanumeric.
pub fn aws_access_key_id(value: &str) -> bool {
    let b = value.as_bytes();
    ["AKIA", "ASIA"]
        .iter()
        .any(|p| starts(value, p).any(|i| run(b, i + 4, upper_alnum) == 16 && boundary_at(b, i + 20, alnum)))
}

/// `sk_live_`/`rk_live_` + 24 or more alphanumerics.
pub fn stripe(value: &str) -> bool {
    at_least(value, "sk_live_", 24, alnum) || at_least(value, "rk_live_", 24, alnum)
}

/// `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` + 36 alphanumerics, or `github_pat_` + 22 or more.
pub fn github(value: &str) -> bool {
    ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"].iter().any(|p| fixed(value, p, 36, alnum))
        || at_least(value, "github_pat_", 22, alnum_underscore)
}

/// `xoxb-`/`xoxp-`/`xoxa-`/`xoxr-` + 10 or more `[A-Za-z0-9-]`.
pub fn slack_token(value: &str) -> bool {
    ["xoxb-", "xoxp-", "xoxa-", "xoxr-"].iter().any(|p| at_least(value, p, 10, url_b64))
}

/// `https://hooks.slack.com/services/` + a path of at least 20 `[A-Za-z0-9/_-]`.
pub fn slack_webhook(value: &str) -> bool {
    let b = value.as_bytes();
    let prefix = "hooks.slack.com/services/";
    value.match_indices(prefix).any(|(i, _)| run(b, i + prefix.len(), |c| url_b64(c) || c == b'/') >= 20)
}

/// `-----BEGIN ... PRIVATE KEY-----` (RSA, EC, OPENSSH, ENCRYPTED, plain PKCS#8, ...).
pub fn private_key(value: &str) -> bool {
    value.match_indices("-----BEGIN ").any(|(i, m)| {
        let rest = value.get(i + m.len()..).unwrap_or("");
        let header = rest.split("-----").next().unwrap_or("");
        header.len() <= 40 && header.ends_with("PRIVATE KEY") && rest.len() > header.len()
    })
}

/// `AIza` + 35 `[A-Za-z0-9_-]`.
pub fn google_api_key(value: &str) -> bool {
    fixed(value, "AIza", 35, url_b64)
}

/// `SG.` + 22 `[A-Za-z0-9_-]` + `.` + 43 `[A-Za-z0-9_-]`.
pub fn sendgrid(value: &str) -> bool {
    let b = value.as_bytes();
    starts(value, "SG.").any(|i| {
        let first = i + 3;
        run(b, first, url_b64) == 22 && b.get(first + 22) == Some(&b'.') && run(b, first + 23, url_b64) == 43
    })
}

/// `SK` + 32 hex digits, not followed by another alphanumeric.
pub fn twilio(value: &str) -> bool {
    let b = value.as_bytes();
    starts(value, "SK").any(|i| run(b, i + 2, hex) == 32 && boundary_at(b, i + 34, alnum))
}

/// Three non-empty base64url segments joined by `.`, the first starting `eyJ` (`{"`).
pub fn jwt(value: &str) -> bool {
    let b = value.as_bytes();
    value
        .match_indices("eyJ")
        .map(|(i, _)| i)
        .filter(|&i| i == 0 || b.get(i - 1).is_none_or(|&c| !url_b64(c) && c != b'.'))
        .any(|i| {
            let h = run(b, i, url_b64);
            if h < 10 || b.get(i + h) != Some(&b'.') {
                return false;
            }
            let p_start = i + h + 1;
            let p = run(b, p_start, url_b64);
            if p < 4 || b.get(p_start + p) != Some(&b'.') {
                return false;
            }
            let s = run(b, p_start + p + 1, url_b64);
            s >= 4 && boundary_at(b, p_start + p + 1 + s, |c| c == b'.')
        })
}

/// `scheme://user:password@host` where the password is present and not a placeholder.
///
/// The scheme is whatever precedes `://` (postgres, mysql, mongodb+srv, redis, amqp, https,
/// ...). Only the authority (up to the first `/`, `?` or `#`) is inspected, and at most 1024
/// bytes of it, so pathological inputs stay linear.
pub fn connection_string(value: &str) -> bool {
    value.match_indices("://").any(|(i, _)| {
        let b = value.as_bytes();
        let scheme_len = b.get(..i).map_or(0, |s| {
            s.iter().rev().take_while(|&&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-')).count()
        });
        if scheme_len == 0 {
            return false;
        }
        let rest = value.get(i + 3..).unwrap_or("");
        let authority =
            rest.split(['/', '?', '#']).next().unwrap_or("").split(char::is_whitespace).next().unwrap_or("");
        if authority.len() > 1024 {
            return false;
        }
        let Some((userinfo, host)) = authority.rsplit_once('@') else {
            return false;
        };
        let Some((_user, password)) = userinfo.split_once(':') else {
            return false;
        };
        !host.is_empty() && !password.is_empty() && !super::is_placeholder(password)
    })
}
