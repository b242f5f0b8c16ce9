//! The table format, for people: findings grouped by rule (most severe first), failures and
//! unknowns listed per resource, and a summary line. Colour only when writing to a terminal.

use std::collections::BTreeMap;
use std::fmt::Write;

use ztscan::{Finding, Severity, Status};

fn paint(text: &str, code: &str, colour: bool) -> String {
    if colour {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn status_cell(s: Status, colour: bool) -> String {
    let code = match s {
        Status::Fail => "31;1",
        Status::Unknown => "33",
        Status::Pass => "32",
        Status::NotApplicable => "2",
    };
    paint(&format!("{:<14}", s.as_str()), code, colour)
}

fn severity_cell(s: Severity, colour: bool) -> String {
    let code = match s {
        Severity::Critical => "35;1",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Informational => "2",
    };
    paint(&format!("{:<13}", s.as_str()), code, colour)
}

/// Render findings as a grouped table. With `all`, passing and not-applicable findings are
/// listed too; otherwise only FAIL and UNKNOWN are, and the others are counted.
pub fn render(findings: &[Finding], all: bool, colour: bool) -> String {
    let mut groups: BTreeMap<(std::cmp::Reverse<Severity>, &str), Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        groups.entry((std::cmp::Reverse(f.severity), f.rule_id.as_str())).or_default().push(f);
    }
    let mut out = String::new();
    for ((severity, rule_id), group) in &groups {
        let shown: Vec<&&Finding> =
            group.iter().filter(|f| all || matches!(f.status, Status::Fail | Status::Unknown)).collect();
        let failed = group.iter().filter(|f| f.status == Status::Fail).count();
        let passed = group.iter().filter(|f| f.status == Status::Pass).count();
        let _ = writeln!(
            out,
            "{} {}  {}  ({} failed, {} passed of {})",
            severity_cell(severity.0, colour),
            paint(rule_id, "1", colour),
            group[0].title,
            failed,
            passed,
            group.len()
        );
        for f in shown {
            let _ = writeln!(out, "    {} {}  {}", status_cell(f.status, colour), f.resource.uid(), f.reason);
        }
    }
    let count = |s: Status| findings.iter().filter(|f| f.status == s).count();
    let _ = writeln!(
        out,
        "\n{} findings: {} FAIL, {} UNKNOWN, {} PASS, {} NOT_APPLICABLE",
        findings.len(),
        count(Status::Fail),
        count(Status::Unknown),
        count(Status::Pass),
        count(Status::NotApplicable)
    );
    out.push_str(&unknown_summary(findings));
    out
}

/// Why the UNKNOWN findings could not be evaluated, grouped: how many rules and findings, then
/// one line per reason (the failed read, e.g. "access denied on s3:GetBucketPolicy"), most
/// frequent first. Empty when every rule could be evaluated.
pub fn unknown_summary(findings: &[Finding]) -> String {
    let unknown: Vec<&Finding> = findings.iter().filter(|f| f.status == Status::Unknown).collect();
    if unknown.is_empty() {
        return String::new();
    }
    let rules: std::collections::BTreeSet<&str> = unknown.iter().map(|f| f.rule_id.as_str()).collect();
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &unknown {
        *reasons.entry(reason_group(&f.reason)).or_default() += 1;
    }
    let mut reasons: Vec<(&str, usize)> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut out =
        format!("{} rule(s) could not be evaluated ({} UNKNOWN finding(s)), because of:\n", rules.len(), unknown.len());
    for (reason, n) in reasons {
        let _ = writeln!(out, "    {n:>5}  {reason}");
    }
    out
}

/// The part of an UNKNOWN reason that names the failed read and how it failed ("throttled past
/// retries on lambda:ListFunctions"), without what is specific to one resource.
fn reason_group(reason: &str) -> &str {
    let reason = reason.strip_prefix("could not evaluate: ").unwrap_or(reason);
    let head = reason.split(": ").next().unwrap_or(reason);
    match head.char_indices().nth(100) {
        Some((end, _)) => &head[..end],
        None => head,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ztscan::model::{Outcome, ResourceRef, RuleDoc, RuleMeta, Trigger};

    static META: RuleMeta = RuleMeta {
        id: "s3.bucket-versioning-enabled",
        title: "Versioning",
        severity: Severity::Medium,
        resource_type: "AwsS3Bucket",
        trigger: Trigger::Change,
        mappings: &[],
        seeds: &[],
        doc: RuleDoc::remediation_only("r"),
    };

    fn finding(name: &str, outcome: Outcome) -> Finding {
        let r = ResourceRef {
            resource_type: "AwsS3Bucket".into(),
            id: name.into(),
            arn: Some(format!("arn:aws:s3:::{name}")),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            partition: "aws".into(),
        };
        Finding::new(&META, r, outcome, chrono::DateTime::UNIX_EPOCH)
    }

    #[test]
    fn groups_by_rule_and_hides_passes_unless_asked() {
        let f = vec![finding("a", Outcome::fail("versioning is off")), finding("b", Outcome::pass("on"))];
        let t = render(&f, false, false);
        assert!(t.contains("s3.bucket-versioning-enabled"));
        assert!(t.contains("(1 failed, 1 passed of 2)"));
        assert!(t.contains("arn:aws:s3:::a") && !t.contains("arn:aws:s3:::b"));
        assert!(t.contains("2 findings: 1 FAIL"));
        assert!(!t.contains('\x1b'), "no colour off a terminal");
        assert!(render(&f, true, false).contains("arn:aws:s3:::b"));
        assert!(render(&f, false, true).contains('\x1b'));
        assert!(!t.contains("could not be evaluated"), "nothing to explain");
    }

    #[test]
    fn the_summary_names_how_many_rules_could_not_be_evaluated_and_why() {
        let denied = "could not evaluate: access denied on s3:GetBucketPolicy: AccessDenied: no";
        let throttled = "could not evaluate: throttled past retries on s3:ListBuckets: SlowDown after 6 attempts";
        let f = vec![
            finding("a", Outcome::unknown(denied)),
            finding("b", Outcome::unknown(denied)),
            finding("c", Outcome::unknown(throttled)),
            finding("d", Outcome::pass("on")),
        ];
        let t = render(&f, false, false);
        assert!(t.contains("1 rule(s) could not be evaluated (3 UNKNOWN finding(s))"), "{t}");
        let denied_line = t.find("2  access denied on s3:GetBucketPolicy").expect("denied line");
        let throttled_line = t.find("1  throttled past retries on s3:ListBuckets").expect("throttled line");
        assert!(denied_line < throttled_line, "most frequent first: {t}");
    }
}
