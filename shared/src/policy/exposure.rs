//! Exposure: which statements of a resource policy grant access to everyone.
//!
//! A statement is *public* when it allows, applies to every principal
//! ([`Statement::applies_to_everyone`]) and carries no *restricting condition*. The S3, IAM,
//! Lambda, SNS, SQS and EventBridge "not public" rules all ask this same question, so it is
//! answered once, here.
//!
//! A condition restricts when all of these hold:
//! - its key is one of [`RESTRICTING_KEYS`] (compared case-insensitively): keys that pin the
//!   caller to an account, organisation, principal, source resource, network or address range;
//! - its operator is a positive match (`StringEquals`, `StringEqualsIgnoreCase`,
//!   `StringLike`, `ArnEquals`, `ArnLike`, `IpAddress`, optionally with `ForAnyValue:`).
//!   `...IfExists` does not restrict (a request without the key passes), nor does
//!   `ForAllValues:` (a request without the key passes too), nor does any negated operator;
//! - it has at least one value, and no value matches everything (`*`, `?*`, ..., or the
//!   address ranges `0.0.0.0/0` and `::/0`).

use super::{Condition, Effect, PolicyDocument, Statement};

/// Condition keys that narrow who can use a statement, when matched positively.
pub const RESTRICTING_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceOrgID",
    "aws:SourceIp",
];

/// Positive-match operators (lower-case, without a set prefix or `IfExists`).
const POSITIVE_OPERATORS: &[&str] =
    &["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"];

/// True when the condition narrows the statement to a known set of callers (see the module
/// documentation for the exact test).
pub fn is_restricting_condition(condition: &Condition) -> bool {
    if !RESTRICTING_KEYS.iter().any(|k| condition.key_is(k)) {
        return false;
    }
    let op = condition.operator.to_ascii_lowercase();
    if op.ends_with("ifexists") || op.starts_with("forallvalues:") {
        return false;
    }
    if !POSITIVE_OPERATORS.contains(&condition.base_operator().as_str()) {
        return false;
    }
    !condition.values.is_empty() && !condition.values.iter().any(|v| matches_everything(v))
}

/// A condition value that every request satisfies.
fn matches_everything(value: &str) -> bool {
    let v = value.trim();
    (v.contains('*') && v.chars().all(|c| c == '*' || c == '?')) || v == "0.0.0.0/0" || v == "::/0"
}

/// True when at least one of the statement's conditions is restricting. Conditions in one
/// statement are ANDed, so one restricting condition is enough.
pub fn has_restricting_condition(statement: &Statement) -> bool {
    statement.conditions.iter().any(is_restricting_condition)
}

/// True when the statement allows every principal without a restricting condition.
pub fn is_public_statement(statement: &Statement) -> bool {
    statement.effect == Effect::Allow && statement.applies_to_everyone() && !has_restricting_condition(statement)
}

/// The statements of `doc` that allow every principal without a restricting condition, in
/// document order.
pub fn public_statements(doc: &PolicyDocument) -> Vec<&Statement> {
    doc.statements.iter().filter(|s| is_public_statement(s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(json: &str) -> Statement {
        let doc = PolicyDocument::parse(&format!(r#"{{"Statement":[{json}]}}"#)).unwrap();
        doc.statements.into_iter().next().unwrap()
    }

    fn condition(operator: &str, key: &str, values: &[&str]) -> Condition {
        Condition { operator: operator.into(), key: key.into(), values: values.iter().map(|v| v.to_string()).collect() }
    }

    #[test]
    fn restricting_conditions_table() {
        let cases: &[(&str, &str, &[&str], bool)] = &[
            ("StringEquals", "aws:SourceAccount", &["123456789012"], true),
            ("StringEquals", "AWS:SOURCEACCOUNT", &["123456789012"], true),
            ("stringequals", "aws:PrincipalOrgID", &["o-abc"], true),
            ("StringLike", "aws:PrincipalOrgPaths", &["o-abc/r-1/ou-1/*"], true),
            ("StringEqualsIgnoreCase", "aws:PrincipalAccount", &["123456789012"], true),
            ("ArnEquals", "aws:SourceArn", &["arn:aws:sns:us-east-1:123456789012:t"], true),
            ("ArnLike", "aws:PrincipalArn", &["arn:aws:iam::123456789012:role/*"], true),
            ("StringEquals", "aws:SourceOwner", &["123456789012"], true),
            ("StringEquals", "aws:SourceVpc", &["vpc-1"], true),
            ("StringEquals", "aws:SourceVpce", &["vpce-1"], true),
            ("StringEquals", "aws:SourceOrgID", &["o-abc"], true),
            ("IpAddress", "aws:SourceIp", &["203.0.113.0/24"], true),
            ("ForAnyValue:StringEquals", "aws:PrincipalOrgPaths", &["o-abc/r-1/"], true),
            // IfExists: a request without the key is allowed.
            ("StringEqualsIfExists", "aws:SourceAccount", &["123456789012"], false),
            ("ArnLikeIfExists", "aws:SourceArn", &["arn:aws:s3:::b"], false),
            ("ForAllValues:StringEquals", "aws:PrincipalOrgPaths", &["o-abc/r-1/"], false),
            // Negated and unrelated operators do not narrow an Allow.
            ("StringNotEquals", "aws:SourceAccount", &["123456789012"], false),
            ("NotIpAddress", "aws:SourceIp", &["203.0.113.0/24"], false),
            ("Null", "aws:SourceArn", &["false"], false),
            ("Bool", "aws:SecureTransport", &["true"], false),
            // Values that match everything.
            ("StringLike", "aws:SourceAccount", &["*"], false),
            ("StringEquals", "aws:PrincipalOrgID", &["o-abc", "*"], false),
            ("ArnLike", "aws:SourceArn", &["**"], false),
            ("IpAddress", "aws:SourceIp", &["0.0.0.0/0"], false),
            ("IpAddress", "aws:SourceIp", &["::/0"], false),
            ("StringEquals", "aws:SourceAccount", &[], false),
            // Keys that do not identify the caller.
            ("StringEquals", "aws:userid", &["AIDA"], false),
            ("StringEquals", "s3:x-amz-acl", &["private"], false),
            ("StringLike", "aws:Referer", &["https://example.com/*"], false),
        ];
        for (op, key, values, want) in cases {
            assert_eq!(is_restricting_condition(&condition(op, key, values)), *want, "{op} {key} {values:?}");
        }
    }

    #[test]
    fn public_statements_table() {
        let cases = [
            (r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#, true),
            (r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*"}"#, true),
            (r#"{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"s3:GetObject","Resource":"*"}"#, true),
            (
                r#"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"*"}"#,
                true,
            ),
            (r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}"#, false),
            (
                r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"*"}"#,
                false,
            ),
            (
                r#"{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"*"}"#,
                false,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#,
                false,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-abc"}}}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}"#,
                false,
            ),
        ];
        for (json, want) in cases {
            let s = statement(json);
            assert_eq!(is_public_statement(&s), want, "{json}");
        }
    }

    #[test]
    fn public_statements_keeps_document_order() {
        let doc = PolicyDocument::parse(
            r#"{"Statement":[
                {"Sid":"A","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"},
                {"Sid":"B","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}},
                {"Sid":"C","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:ListBucket","Resource":"*"}
            ]}"#,
        )
        .unwrap();
        let sids: Vec<_> = public_statements(&doc).iter().map(|s| s.sid.clone().unwrap_or_default()).collect();
        assert_eq!(sids, vec!["A", "C"]);
    }
}
