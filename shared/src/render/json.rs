//! The CLI's JSON output: one flat object per finding, in the order given, for `jq` and
//! scripts. Field names are snake_case and stable.

use chrono::SecondsFormat;
use serde_json::{Map, Value};

use crate::model::Finding;

/// Render `findings` as a pretty-printed JSON array.
pub fn to_json(findings: &[Finding]) -> String {
    let rows: Vec<Value> = findings.iter().map(row).collect();
    format!("{:#}", Value::Array(rows))
}

fn row(f: &Finding) -> Value {
    let text = |s: &str| Value::String(s.to_string());
    let mut o = Map::new();
    o.insert("rule_id".into(), text(&f.rule_id));
    o.insert("status".into(), text(f.status.as_str()));
    o.insert("severity".into(), text(f.severity.as_str()));
    o.insert("resource".into(), text(f.resource.uid()));
    o.insert("resource_type".into(), text(&f.resource.resource_type));
    o.insert("account".into(), text(&f.resource.account));
    o.insert("region".into(), text(&f.resource.region));
    o.insert("title".into(), text(&f.title));
    o.insert("reason".into(), text(&f.reason));
    o.insert("remediation".into(), text(&f.remediation));
    o.insert("mappings".into(), Value::Array(f.mappings.iter().map(|m| Value::String(m.to_string())).collect()));
    o.insert("finding_id".into(), Value::String(f.id()));
    o.insert("observed_at".into(), Value::String(f.observed_at.to_rfc3339_opts(SecondsFormat::AutoSi, true)));
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use serde_json::json;

    use super::*;

    fn finding(arn: Option<&str>) -> Finding {
        let mut f = Finding {
            observed_at: DateTime::parse_from_rfc3339("2026-11-01T12:30:00Z").unwrap().with_timezone(&Utc),
            ..Finding::fixture("demo-bucket")
        };
        f.resource.arn = arn.map(str::to_string);
        f
    }

    #[test]
    fn renders_each_finding_as_a_flat_object() {
        let f = finding(Some("arn:aws:s3:::demo-bucket"));
        let out = to_json(std::slice::from_ref(&f));
        let parsed: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            parsed,
            json!([{
                "rule_id": "s3.bucket-versioning-enabled",
                "status": "FAIL",
                "severity": "MEDIUM",
                "resource": "arn:aws:s3:::demo-bucket",
                "resource_type": "AwsS3Bucket",
                "account": "123456789012",
                "region": "us-east-1",
                "title": "S3 bucket versioning is enabled",
                "reason": "versioning is Suspended",
                "remediation": "Enable versioning.",
                "mappings": ["S3.14"],
                "finding_id": f.id(),
                "observed_at": "2026-11-01T12:30:00Z"
            }])
        );
        assert!(out.contains("\n  {\n"), "pretty-printed: {out}");
    }

    #[test]
    fn resource_is_the_short_id_without_an_arn() {
        let parsed: Value = serde_json::from_str(&to_json(&[finding(None)])).unwrap();
        assert_eq!(parsed[0]["resource"], "demo-bucket");
    }

    #[test]
    fn no_findings_is_an_empty_array() {
        assert_eq!(to_json(&[]), "[]");
    }
}
