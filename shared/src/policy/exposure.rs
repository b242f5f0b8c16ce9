//! Exposure: which statements of a resource policy grant access to everyone, or to anyone
//! outside the account or organisation.
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
//!
//! [`external_grants`] asks the wider question every resource-policy rule asks: which Allow
//! statements reach principals outside the account (and its trusted accounts) without a
//! condition that confines them to the inside. A restricting condition confines only when the
//! accounts, organisation or ARNs it names are the scanned account's own (see
//! [`external_grants`] for the exact test).

use super::document::account_of_principal;
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
    "kms:CallerAccount",
    "kms:ViaService",
    "lambda:EventSourceToken",
];

/// Positive-match operators (lower-case, without a set prefix or `IfExists`).
const POSITIVE_OPERATORS: &[&str] =
    &["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"];

/// True when the condition narrows the statement to a known set of callers (see the module
/// documentation for the exact test).
pub fn is_restricting_condition(condition: &Condition) -> bool {
    RESTRICTING_KEYS.iter().any(|k| condition.key_is(k)) && is_positive_narrowing(condition)
}

/// The key-independent half of [`is_restricting_condition`]: a positive operator without
/// `IfExists` or `ForAllValues:`, and at least one value, none matching everything.
fn is_positive_narrowing(condition: &Condition) -> bool {
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

/// Who counts as inside: the scanned account, its organisation and accounts it trusts.
#[derive(Debug, Clone, Copy)]
pub struct Trust<'a> {
    pub account: &'a str,
    pub organization_id: Option<&'a str>,
    pub trusted_accounts: &'a [String],
}

impl Trust<'_> {
    fn is_inside(&self, account: &str) -> bool {
        account == self.account || self.trusted_accounts.iter().any(|t| t == account)
    }

    fn is_own_org(&self, org: &str) -> bool {
        self.organization_id.is_some_and(|o| o.eq_ignore_ascii_case(org))
    }
}

/// What kind of principal an [`ExternalGrant`] reaches (the most open one when several).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExternalKind {
    /// `*`, `{"AWS":"*"}` or `NotPrincipal`.
    Everyone,
    /// An AWS (or federated) principal in an account that is neither own nor trusted.
    Account,
    /// A service principal without a condition binding it to the account's own resources
    /// (the confused-deputy case).
    Service,
}

/// One Allow statement that reaches outside the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalGrant<'a> {
    pub statement: &'a Statement,
    /// The statement's `Sid`, or `Statement[i]` when it has none.
    pub label: String,
    /// Who it reaches, for a finding: `everyone`, `account 999999999999`, a principal ARN,
    /// `service sns.amazonaws.com without aws:SourceAccount/SourceArn`, comma-separated when
    /// several. A restricting condition that names foreign accounts is appended, e.g.
    /// `everyone (aws:SourceAccount 999999999999)`.
    pub who: String,
    pub kind: ExternalKind,
}

/// What one condition says about confinement.
enum Confines {
    /// It confines the statement to the inside.
    Inside,
    /// It restricts, but to something outside or unverifiable (described for the finding).
    Elsewhere(String),
    /// It does not restrict who can call.
    No,
}

/// Does `condition` confine a statement to the inside of `trust`? The structural test is
/// [`is_restricting_condition`]'s; then, by key:
/// - `aws:PrincipalOrgID`, `aws:SourceOrgID`: every value is the organisation id;
/// - `aws:PrincipalAccount`, `aws:SourceAccount`, `aws:SourceOwner`, `kms:CallerAccount`:
///   every value is the account or a trusted account;
/// - `aws:PrincipalArn`, `aws:SourceArn`: every value is an ARN in one of those accounts
///   (an ARN without an account, such as an S3 bucket's, cannot be verified);
/// - `aws:PrincipalOrgPaths`: every value starts with the organisation id;
/// - `aws:SourceVpc`, `aws:SourceVpce`: network-confined;
/// - `kms:ViaService`: usable only through the named AWS service endpoints (as the control
///   catalogue lists it for `kms.key-policy-not-public`);
/// - `lambda:EventSourceToken`: a shared secret.
fn confines(condition: &Condition, trust: &Trust) -> Confines {
    const ACCOUNT_KEYS: &[&str] =
        &["aws:PrincipalAccount", "aws:SourceAccount", "aws:SourceOwner", "kms:CallerAccount"];
    const ORG_KEYS: &[&str] = &["aws:PrincipalOrgID", "aws:SourceOrgID"];
    const ARN_KEYS: &[&str] = &["aws:PrincipalArn", "aws:SourceArn"];
    const CONFINED_KEYS: &[&str] = &["aws:SourceVpc", "aws:SourceVpce", "kms:ViaService", "lambda:EventSourceToken"];
    if !is_restricting_condition(condition) {
        return Confines::No;
    }
    let key_in = |keys: &[&str]| keys.iter().any(|k| condition.key_is(k));
    let all = |f: &dyn Fn(&str) -> bool| condition.values.iter().all(|v| f(v.trim()));
    let inside = if key_in(CONFINED_KEYS) {
        true
    } else if key_in(ACCOUNT_KEYS) {
        all(&|v| trust.is_inside(v))
    } else if key_in(ORG_KEYS) {
        all(&|v| trust.is_own_org(v))
    } else if key_in(ARN_KEYS) {
        all(&|v| v.starts_with("arn:") && account_of_principal(v).is_some_and(|a| trust.is_inside(&a)))
    } else if condition.key_is("aws:PrincipalOrgPaths") {
        all(&|v| {
            trust.organization_id.is_some_and(|o| {
                v.get(..o.len()).is_some_and(|head| head.eq_ignore_ascii_case(o))
                    && v.as_bytes().get(o.len()) == Some(&b'/')
            })
        })
    } else {
        // aws:SourceIp: an address range says nothing about whose account the caller is.
        false
    };
    if inside {
        Confines::Inside
    } else {
        Confines::Elsewhere(format!("{} {}", condition.key, condition.values.join(", ")))
    }
}

/// The Allow statements of a resource policy that grant access to anyone outside the account
/// or organisation without a condition confining them to the inside, in document order.
///
/// A statement reaches outside when its principal is everyone (`*`, `{"AWS":"*"}`,
/// `NotPrincipal`), an `AWS` or `Federated` principal in an account that is neither
/// `trust.account` nor trusted (an `AWS` value with a wildcard counts as everyone), or a
/// `Service` principal. It is *not* external when one of its conditions confines it (see
/// the key-by-key test on `confines`, and [`is_restricting_condition`] for operators:
/// `IfExists`, `ForAllValues:`, negated operators and match-everything values never confine).
/// A restricting condition naming a foreign account, organisation or ARN does not confine.
/// `CanonicalUser` principals and AWS values that are neither account ids nor ARNs (such as
/// the unique ids IAM shows for deleted roles) cannot be placed in an account and are not
/// reported.
pub fn external_grants<'a>(doc: &'a PolicyDocument, trust: &Trust) -> Vec<ExternalGrant<'a>> {
    let mut out = Vec::new();
    for (i, statement) in doc.statements.iter().enumerate() {
        if statement.effect != Effect::Allow {
            continue;
        }
        let Some((kind, mut who)) = outside_principals(statement, trust) else { continue };
        let mut elsewhere = Vec::new();
        let mut confined = false;
        for c in &statement.conditions {
            match confines(c, trust) {
                Confines::Inside => confined = true,
                Confines::Elsewhere(d) => elsewhere.push(d),
                Confines::No => {}
            }
        }
        if confined {
            continue;
        }
        if !elsewhere.is_empty() {
            who = format!("{who} ({})", elsewhere.join("; "));
        }
        let label = match statement.sid.as_deref() {
            Some(sid) if !sid.is_empty() => sid.to_string(),
            _ => format!("Statement[{i}]"),
        };
        out.push(ExternalGrant { statement, label, who, kind });
    }
    out
}

/// The principals of `statement` outside `trust`, described, with the most open kind; `None`
/// when every principal is inside (or the statement names none).
fn outside_principals(statement: &Statement, trust: &Trust) -> Option<(ExternalKind, String)> {
    if statement.not_principal.is_some() {
        return Some((ExternalKind::Everyone, "everyone not listed in NotPrincipal".to_string()));
    }
    let principal = statement.principal.as_ref()?;
    if principal.is_everyone() || principal.values("AWS").iter().any(|v| v.contains('*')) {
        return Some((ExternalKind::Everyone, "everyone".to_string()));
    }
    let mut kind: Option<ExternalKind> = None;
    let mut who: Vec<String> = Vec::new();
    let mut note = |k: ExternalKind, w: String| {
        kind = Some(kind.map_or(k, |old| old.min(k)));
        if !who.contains(&w) {
            who.push(w);
        }
    };
    for value in principal.values("AWS").into_iter().chain(principal.values("Federated")) {
        let Some(account) = account_of_principal(value) else { continue };
        if trust.is_inside(&account) {
            continue;
        }
        let is_root = value == account || value.ends_with(&format!(":{account}:root"));
        note(ExternalKind::Account, if is_root { format!("account {account}") } else { value.to_string() });
    }
    for service in principal.values("Service") {
        note(ExternalKind::Service, format!("service {service} without aws:SourceAccount/SourceArn"));
    }
    Some((kind?, who.join(", ")))
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
            ("StringEquals", "kms:ViaService", &["dynamodb.us-east-1.amazonaws.com"], true),
            ("StringLike", "kms:ViaService", &["*"], false),
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

    const OWN: &str = "111111111111";
    const TRUSTED: &str = "222222222222";

    fn grants_of(statement_json: &str, org: Option<&str>) -> Vec<(String, String, ExternalKind)> {
        let doc = PolicyDocument::parse(&format!(r#"{{"Statement":[{statement_json}]}}"#)).unwrap();
        let trusted = vec![TRUSTED.to_string()];
        let trust = Trust { account: OWN, organization_id: org, trusted_accounts: &trusted };
        external_grants(&doc, &trust).into_iter().map(|g| (g.label, g.who, g.kind)).collect()
    }

    /// `(principal element, condition element or "", expected who or None when internal)`.
    #[test]
    fn external_grants_table() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            // Principals.
            (r#""Principal":"*""#, "", Some("everyone")),
            (r#""Principal":{"AWS":"*"}"#, "", Some("everyone")),
            (r#""Principal":{"AWS":["111111111111","*"]}"#, "", Some("everyone")),
            (r#""Principal":{"AWS":"arn:aws:iam::*:root"}"#, "", Some("everyone")),
            (
                r#""NotPrincipal":{"AWS":"arn:aws:iam::111111111111:root"}"#,
                "",
                Some("everyone not listed in NotPrincipal"),
            ),
            (r#""Principal":{"AWS":"111111111111"}"#, "", None),
            (r#""Principal":{"AWS":"arn:aws:iam::111111111111:role/r"}"#, "", None),
            (r#""Principal":{"AWS":["arn:aws:iam::222222222222:root"]}"#, "", None),
            (r#""Principal":{"AWS":"999999999999"}"#, "", Some("account 999999999999")),
            (r#""Principal":{"AWS":"arn:aws:iam::999999999999:root"}"#, "", Some("account 999999999999")),
            (
                r#""Principal":{"AWS":["arn:aws:iam::999999999999:role/x","111111111111","888888888888"]}"#,
                "",
                Some("arn:aws:iam::999999999999:role/x, account 888888888888"),
            ),
            (r#""Principal":{"AWS":"AROAEXAMPLEUNIQUEID"}"#, "", None),
            (r#""Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbaced"}"#, "", None),
            (
                r#""Principal":{"Federated":"arn:aws:iam::999999999999:saml-provider/x"}"#,
                "",
                Some("arn:aws:iam::999999999999:saml-provider/x"),
            ),
            (
                r#""Principal":{"Service":"sns.amazonaws.com"}"#,
                "",
                Some("service sns.amazonaws.com without aws:SourceAccount/SourceArn"),
            ),
            (r#""Effect":"Allow""#, "", None), // no principal at all: an identity policy statement
            // Conditions that confine to the inside.
            (r#""Principal":"*""#, r#"{"StringEquals":{"aws:PrincipalOrgID":"o-own"}}"#, None),
            (r#""Principal":"*""#, r#"{"stringequals":{"AWS:PRINCIPALORGID":["O-OWN"]}}"#, None),
            (r#""Principal":"*""#, r#"{"StringEquals":{"aws:SourceOrgID":"o-own"}}"#, None),
            (
                r#""Principal":"*""#,
                r#"{"StringEquals":{"aws:PrincipalAccount":["111111111111","222222222222"]}}"#,
                None,
            ),
            (r#""Principal":"*""#, r#"{"StringEquals":{"aws:SourceAccount":"111111111111"}}"#, None),
            (r#""Principal":"*""#, r#"{"StringEquals":{"aws:SourceOwner":"111111111111"}}"#, None),
            (r#""Principal":"*""#, r#"{"StringEquals":{"kms:CallerAccount":"111111111111"}}"#, None),
            (r#""Principal":"*""#, r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/*"}}"#, None),
            (r#""Principal":"*""#, r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:222222222222:t"}}"#, None),
            (
                r#""Principal":"*""#,
                r#"{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":["o-own/r-ab12/ou-ab12-11111111/*"]}}"#,
                None,
            ),
            (r#""Principal":"*""#, r#"{"StringEquals":{"aws:SourceVpc":"vpc-1"}}"#, None),
            (r#""Principal":"*""#, r#"{"StringEquals":{"aws:SourceVpce":["vpce-1","vpce-2"]}}"#, None),
            (r#""Principal":"*""#, r#"{"StringEquals":{"lambda:EventSourceToken":"secret"}}"#, None),
            (r#""Principal":{"AWS":"999999999999"}"#, r#"{"StringEquals":{"aws:PrincipalOrgID":"o-own"}}"#, None),
            (
                r#""Principal":{"Service":"s3.amazonaws.com"}"#,
                r#"{"StringEquals":{"aws:SourceAccount":"111111111111"}}"#,
                None,
            ),
            (
                r#""Principal":{"Service":"s3.amazonaws.com"}"#,
                r#"{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:us-east-1:111111111111:function:f"}}"#,
                None,
            ),
            // One confining condition is enough (conditions are ANDed).
            (
                r#""Principal":"*""#,
                r#"{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:SourceAccount":"111111111111"}}"#,
                None,
            ),
            // Restricting conditions that name a foreign account, organisation or ARN.
            (
                r#""Principal":"*""#,
                r#"{"StringEquals":{"aws:SourceAccount":"999999999999"}}"#,
                Some("everyone (aws:SourceAccount 999999999999)"),
            ),
            (
                r#""Principal":"*""#,
                r#"{"StringEquals":{"aws:PrincipalAccount":["111111111111","999999999999"]}}"#,
                Some("everyone (aws:PrincipalAccount 111111111111, 999999999999)"),
            ),
            (
                r#""Principal":"*""#,
                r#"{"StringEquals":{"aws:PrincipalOrgID":"o-other"}}"#,
                Some("everyone (aws:PrincipalOrgID o-other)"),
            ),
            (
                r#""Principal":"*""#,
                r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::999999999999:role/*"}}"#,
                Some("everyone (aws:PrincipalArn arn:aws:iam::999999999999:role/*)"),
            ),
            (
                r#""Principal":"*""#,
                r#"{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::bucket"}}"#,
                Some("everyone (aws:SourceArn arn:aws:s3:::bucket)"),
            ),
            (r#""Principal":"*""#, r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111111111111:t"}}"#, None),
            (
                r#""Principal":"*""#,
                r#"{"StringLike":{"aws:SourceAccount":"1111*"}}"#,
                Some("everyone (aws:SourceAccount 1111*)"),
            ),
            (
                r#""Principal":"*""#,
                r#"{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-ownx/*"}}"#,
                Some("everyone (aws:PrincipalOrgPaths o-ownx/*)"),
            ),
            (
                r#""Principal":{"Service":"sns.amazonaws.com"}"#,
                r#"{"StringEquals":{"aws:SourceAccount":"999999999999"}}"#,
                Some("service sns.amazonaws.com without aws:SourceAccount/SourceArn (aws:SourceAccount 999999999999)"),
            ),
            // Conditions that do not restrict at all.
            (
                r#""Principal":"*""#,
                r#"{"StringEqualsIfExists":{"aws:SourceAccount":"111111111111"}}"#,
                Some("everyone"),
            ),
            (r#""Principal":"*""#, r#"{"ForAllValues:StringEquals":{"aws:PrincipalOrgID":"o-own"}}"#, Some("everyone")),
            (r#""Principal":"*""#, r#"{"StringNotEquals":{"aws:PrincipalOrgID":"o-own"}}"#, Some("everyone")),
            (r#""Principal":"*""#, r#"{"StringLike":{"aws:PrincipalOrgID":"*"}}"#, Some("everyone")),
            (r#""Principal":"*""#, r#"{"StringEquals":{"aws:PrincipalOrgID":["o-own","*"]}}"#, Some("everyone")),
            (r#""Principal":"*""#, r#"{"Bool":{"aws:SecureTransport":"true"}}"#, Some("everyone")),
            (r#""Principal":"*""#, r#"{"Null":{"aws:SourceAccount":"false"}}"#, Some("everyone")),
            // An address range restricts (the statement is not public) but does not confine.
            (
                r#""Principal":"*""#,
                r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
                Some("everyone (aws:SourceIp 203.0.113.0/24)"),
            ),
        ];
        for (principal, condition, want) in cases {
            let cond = if condition.is_empty() { String::new() } else { format!(r#","Condition":{condition}"#) };
            let json = format!(r#"{{"Effect":"Allow",{principal},"Action":"s3:GetObject","Resource":"*"{cond}}}"#);
            let got = grants_of(&json, Some("o-own"));
            let got_who = got.first().map(|(_, who, _)| who.as_str());
            assert_eq!(got_who, *want, "{principal} {condition}");
            assert!(got.len() <= 1);
        }
    }

    #[test]
    fn organisation_conditions_need_a_configured_organisation() {
        let json = r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-own"}}}"#;
        assert!(grants_of(json, Some("o-own")).is_empty());
        assert_eq!(grants_of(json, None)[0].1, "everyone (aws:PrincipalOrgID o-own)");
        let paths = r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-own/*"}}}"#;
        assert!(grants_of(paths, Some("o-own")).is_empty());
        assert_eq!(grants_of(paths, None).len(), 1);
    }

    #[test]
    fn external_grants_labels_kinds_and_effects() {
        let doc = PolicyDocument::parse(
            r#"{"Statement":[
                {"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"},
                {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"},
                {"Sid":"","Effect":"Allow","Principal":{"AWS":"999999999999","Service":"sns.amazonaws.com"},"Action":"s3:GetObject"},
                {"Effect":"Allow","Principal":{"Service":"sqs.amazonaws.com"},"Action":"s3:GetObject"},
                {"Sid":"Own","Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:*"}
            ]}"#,
        )
        .unwrap();
        let trust = Trust { account: OWN, organization_id: None, trusted_accounts: &[] };
        let got = external_grants(&doc, &trust);
        let summary: Vec<_> = got.iter().map(|g| (g.label.as_str(), g.kind)).collect();
        assert_eq!(
            summary,
            vec![
                ("Public", ExternalKind::Everyone),
                ("Statement[2]", ExternalKind::Account),
                ("Statement[3]", ExternalKind::Service)
            ]
        );
        assert_eq!(got[1].who, "account 999999999999, service sns.amazonaws.com without aws:SourceAccount/SourceArn");
        assert!(std::ptr::eq(got[0].statement, &doc.statements[0]));
        // Without the trusted account, 222222222222 is foreign.
        let doc = PolicyDocument::parse(
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"*"}}"#,
        )
        .unwrap();
        assert_eq!(external_grants(&doc, &trust)[0].who, "account 222222222222");
    }

    #[test]
    fn new_restricting_keys_make_statements_non_public() {
        for key in ["kms:CallerAccount", "lambda:EventSourceToken", "KMS:CALLERACCOUNT"] {
            assert!(is_restricting_condition(&condition("StringEquals", key, &["111111111111"])), "{key}");
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
