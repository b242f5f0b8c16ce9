//! The SNS alert for a batch of new or regressed failures: one message per batch, with a
//! subject a person can triage from a mail client and a JSON body a machine can route.
//!
//! Pure. Which findings are "new or regressed" is the publisher's decision; this renders
//! the failing findings it is given.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::model::{Finding, Severity};
use crate::render::asff::truncate_chars;

/// SNS limits `Subject` to 100 ASCII characters.
pub const MAX_SUBJECT_CHARS: usize = 100;
/// At most this many findings are listed in the body (highest severity first); the rest
/// are counted in `omitted`. Keeps the body far below the 256 KiB SNS limit on a first scan.
pub const MAX_LISTED_FINDINGS: usize = 50;
const MAX_REASON_CHARS: usize = 1024;

/// One alert: what `publish::sns` sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub subject: String,
    pub body_json: String,
    /// The highest severity in the alert, sent as the `severity` message attribute so
    /// subscriptions can filter on it.
    pub severity: Severity,
}

/// The alert for the failing findings among `findings`, or `None` when there are none.
pub fn alert(findings: &[Finding]) -> Option<Alert> {
    let mut failing: Vec<&Finding> = findings.iter().filter(|f| f.is_failure()).collect();
    let severity = failing.iter().map(|f| f.severity).max()?;
    failing.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.resource.uid().cmp(b.resource.uid()))
    });
    let accounts: BTreeSet<&str> = failing.iter().map(|f| f.resource.account.as_str()).collect();

    let count = failing.len();
    let noun = if count == 1 { "finding" } else { "findings" };
    let place = match accounts.iter().next() {
        Some(account) if accounts.len() == 1 => account.to_string(),
        _ => format!("{} accounts", accounts.len()),
    };
    let subject = subject_line(&format!("ztscan: {count} new failing {noun} in {place} (highest {severity})"));

    let listed: Vec<Value> = failing.iter().take(MAX_LISTED_FINDINGS).map(|f| listed_finding(f)).collect();
    let body = json!({
        "source": "ztscan",
        "summary": subject,
        "accounts": accounts,
        "highest_severity": severity.as_str(),
        "count": count,
        "omitted": count - listed.len(),
        "findings": listed,
    });
    Some(Alert { subject, body_json: body.to_string(), severity })
}

/// Findings Security Hub refused for good (for example `InvalidAccess`: Security Hub is not
/// enabled in that account and region), by account, region and error code.
#[derive(Debug, Clone)]
pub struct Refused<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub code: &'a str,
    pub message: &'a str,
    pub findings: Vec<&'a Finding>,
}

/// The alert saying Security Hub could not take `refused` (which went to the dead-letter
/// queue), listing their failures; `None` when nothing was refused. Its severity is the
/// highest failure's, and at least `floor` (the minimum alert severity), so subscriptions
/// that filter on severity still get it.
pub fn refused_alert(refused: &[Refused<'_>], floor: Severity) -> Option<Alert> {
    let count: usize = refused.iter().map(|r| r.findings.len()).sum();
    if count == 0 {
        return None;
    }
    let mut failing: Vec<&Finding> =
        refused.iter().flat_map(|r| r.findings.iter().copied()).filter(|f| f.is_failure()).collect();
    failing.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id().cmp(&b.id())));
    let severity = failing.iter().map(|f| f.severity).max().map_or(floor, |s| s.max(floor));
    let noun = if count == 1 { "finding" } else { "findings" };
    let accounts: BTreeSet<&str> = refused.iter().map(|r| r.account).collect();
    let subject = match refused {
        [one] => format!(
            "ztscan: Security Hub could not take {count} {noun} of {} in {} ({})",
            one.account, one.region, one.code
        ),
        _ => format!("ztscan: Security Hub could not take {count} {noun} of {} account(s)", accounts.len()),
    };
    let subject = subject_line(&subject);
    let listed: Vec<Value> = failing.iter().take(MAX_LISTED_FINDINGS).map(|f| listed_finding(f)).collect();
    let body = json!({
        "source": "ztscan",
        "kind": "security_hub_refused",
        "summary": subject,
        "dead_lettered": true,
        "count": count,
        "refused": refused.iter().map(|r| json!({
            "account": r.account,
            "region": r.region,
            "error_code": r.code,
            "error_message": truncate_chars(r.message, MAX_REASON_CHARS),
            "count": r.findings.len(),
        })).collect::<Vec<_>>(),
        "failing": failing.len(),
        "omitted": failing.len() - listed.len(),
        "findings": listed,
    });
    Some(Alert { subject, body_json: body.to_string(), severity })
}

fn listed_finding(f: &Finding) -> Value {
    json!({
        "finding_id": f.id(),
        "rule_id": f.rule_id,
        "title": f.title,
        "severity": f.severity.as_str(),
        "resource": f.resource.uid(),
        "resource_type": f.resource.resource_type,
        "account": f.resource.account,
        "region": f.resource.region,
        "reason": truncate_chars(&f.reason, MAX_REASON_CHARS),
    })
}

/// SNS subjects are ASCII without control characters, at most 100 characters.
fn subject_line(s: &str) -> String {
    let ascii: String = s.chars().map(|c| if c.is_ascii() && !c.is_ascii_control() { c } else { '?' }).collect();
    ascii.chars().take(MAX_SUBJECT_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    fn finding(rule: &str, bucket: &str, severity: Severity, status: Status) -> Finding {
        Finding {
            rule_id: rule.into(),
            title: format!("{rule} title"),
            severity,
            status,
            reason: format!("{bucket} fails {rule}"),
            remediation: "fix it".into(),
            mappings: vec![],
            ..Finding::fixture(bucket)
        }
    }

    fn body(a: &Alert) -> Value {
        serde_json::from_str(&a.body_json).unwrap()
    }

    #[test]
    fn summarises_failures_with_the_highest_severity() {
        // GIVEN three failures of mixed severity
        let findings = [
            finding("s3.bucket-versioning-enabled", "a", Severity::Medium, Status::Fail),
            finding("s3.bucket-not-public", "b", Severity::Critical, Status::Fail),
            finding("s3.bucket-requires-tls", "c", Severity::Medium, Status::Fail),
        ];
        // WHEN the alert is rendered
        let a = alert(&findings).unwrap();
        // THEN the subject counts them and names the highest severity
        assert_eq!(a.subject, "ztscan: 3 new failing findings in 123456789012 (highest CRITICAL)");
        assert_eq!(a.severity, Severity::Critical);
        // AND the body lists each, most severe first
        let b = body(&a);
        assert_eq!(b["count"], 3);
        assert_eq!(b["omitted"], 0);
        assert_eq!(b["highest_severity"], "CRITICAL");
        assert_eq!(b["accounts"], json!(["123456789012"]));
        assert_eq!(
            b["findings"][0],
            json!({
                "finding_id": findings[1].id(),
                "rule_id": "s3.bucket-not-public",
                "title": "s3.bucket-not-public title",
                "severity": "CRITICAL",
                "resource": "arn:aws:s3:::b",
                "resource_type": "AwsS3Bucket",
                "account": "123456789012",
                "region": "us-east-1",
                "reason": "b fails s3.bucket-not-public",
            })
        );
        let rules: Vec<&str> =
            b["findings"].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
        assert_eq!(rules, ["s3.bucket-not-public", "s3.bucket-requires-tls", "s3.bucket-versioning-enabled"]);
    }

    #[test]
    fn refused_findings_are_named_with_account_region_and_cause() {
        let findings = [
            finding("s3.bucket-not-public", "a", Severity::Critical, Status::Fail),
            finding("s3.bucket-versioning-enabled", "b", Severity::Low, Status::Pass),
        ];
        let refused = [Refused {
            account: "222222222222",
            region: "eu-west-1",
            code: "InvalidAccess",
            message: "Security Hub is not enabled",
            findings: findings.iter().collect(),
        }];
        let a = refused_alert(&refused, Severity::High).unwrap();
        assert_eq!(
            a.subject,
            "ztscan: Security Hub could not take 2 findings of 222222222222 in eu-west-1 (InvalidAccess)"
        );
        assert_eq!(a.severity, Severity::Critical);
        let b = body(&a);
        assert_eq!(b["kind"], "security_hub_refused");
        assert_eq!(b["refused"][0]["error_code"], "InvalidAccess");
        assert_eq!(b["refused"][0]["count"], 2);
        assert_eq!(b["failing"], 1);
        assert_eq!(b["findings"][0]["rule_id"], "s3.bucket-not-public");
        // Without failures the alert still goes out, at the floor severity.
        let passing = [Refused { findings: vec![&findings[1]], ..refused[0].clone() }];
        assert_eq!(refused_alert(&passing, Severity::High).unwrap().severity, Severity::High);
        assert!(refused_alert(&[], Severity::High).is_none());
    }

    #[test]
    fn one_failure_is_singular() {
        let a = alert(&[finding("s3.bucket-versioning-enabled", "a", Severity::High, Status::Fail)]).unwrap();
        assert_eq!(a.subject, "ztscan: 1 new failing finding in 123456789012 (highest HIGH)");
    }

    #[test]
    fn no_alert_without_failures() {
        assert_eq!(alert(&[]), None);
        assert_eq!(
            alert(&[
                finding("r", "a", Severity::Critical, Status::Pass),
                finding("r", "b", Severity::High, Status::Unknown)
            ]),
            None
        );
    }

    #[test]
    fn passing_findings_are_left_out() {
        let a = alert(&[
            finding("r", "a", Severity::Critical, Status::Pass),
            finding("r", "b", Severity::Low, Status::Fail),
        ])
        .unwrap();
        assert_eq!(a.severity, Severity::Low);
        assert_eq!(body(&a)["count"], 1);
    }

    #[test]
    fn several_accounts_are_counted_and_the_subject_stays_short() {
        let mut other = finding("s3.bucket-versioning-enabled", "b", Severity::Low, Status::Fail);
        other.resource.account = "210987654321".into();
        let a = alert(&[finding("s3.bucket-versioning-enabled", "a", Severity::Low, Status::Fail), other]).unwrap();
        assert_eq!(a.subject, "ztscan: 2 new failing findings in 2 accounts (highest LOW)");
        assert!(subject_line(&"x".repeat(300)).len() == MAX_SUBJECT_CHARS);
        assert_eq!(subject_line("a\né"), "a??");
    }

    #[test]
    fn long_batches_list_the_most_severe_and_count_the_rest() {
        let mut findings: Vec<Finding> = (0..MAX_LISTED_FINDINGS + 5)
            .map(|i| finding("s3.bucket-versioning-enabled", &format!("b{i}"), Severity::Low, Status::Fail))
            .collect();
        findings.push(finding("s3.bucket-not-public", "public", Severity::Critical, Status::Fail));
        let b = body(&alert(&findings).unwrap());
        assert_eq!(b["findings"].as_array().unwrap().len(), MAX_LISTED_FINDINGS);
        assert_eq!(b["omitted"], 6);
        assert_eq!(b["findings"][0]["resource"], "arn:aws:s3:::public");
    }
}
