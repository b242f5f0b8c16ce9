//! The policy document model and its parser. The parser works on `serde_json::Value` so that
//! every accepted form is explicit and every rejection names the element that was wrong.

use std::collections::BTreeMap;

use serde_json::Value;

use super::matching::wildcard_match;

/// A policy that could not be parsed, naming what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy is not valid JSON: {0}")]
    Json(String),
    #[error("policy is not a JSON object")]
    NotAnObject,
    #[error("policy has no Statement")]
    NoStatement,
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
    #[error("policy text is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("policy is not correctly URL-encoded: {0}")]
    Encoding(String),
}

fn invalid(path: impl Into<String>, reason: impl Into<String>) -> PolicyError {
    PolicyError::Invalid { path: path.into(), reason: reason.into() }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"Principal": "*"`.
    Any,
    /// `{"AWS": [...], "Service": [...], "Federated": [...], "CanonicalUser": [...]}`; the map
    /// key keeps the document's spelling.
    Map(BTreeMap<String, Vec<String>>),
}

impl Principal {
    /// The values listed under one principal type (`AWS`, `Service`, ...), matched
    /// case-insensitively on the type.
    pub fn values(&self, kind: &str) -> Vec<&str> {
        match self {
            Principal::Any => Vec::new(),
            Principal::Map(m) => m
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(kind))
                .flat_map(|(_, v)| v.iter().map(String::as_str))
                .collect(),
        }
    }

    /// True for `"*"` or an `AWS` principal of `"*"`: anyone.
    pub fn is_everyone(&self) -> bool {
        match self {
            Principal::Any => true,
            Principal::Map(_) => self.values("AWS").contains(&"*"),
        }
    }

    /// Account ids named by `AWS` principals (a bare id or any ARN in that account).
    pub fn aws_accounts(&self) -> Vec<String> {
        self.values("AWS").into_iter().filter_map(account_of_principal).collect()
    }
}

/// The account id in an `AWS` principal: `123456789012`, `arn:aws:iam::123456789012:root`,
/// `arn:aws:iam::123456789012:role/x`, ... `None` for `*` and unrecognised forms.
pub fn account_of_principal(p: &str) -> Option<String> {
    let is_account = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    if is_account(p) {
        return Some(p.to_string());
    }
    let parts: Vec<&str> = p.split(':').collect();
    if parts.len() >= 6 && parts[0] == "arn" && is_account(parts[4]) {
        return Some(parts[4].to_string());
    }
    None
}

/// The IAM condition operators, lower-case, without a set prefix or `IfExists`.
pub const CONDITION_OPERATORS: &[&str] = &[
    "stringequals",
    "stringnotequals",
    "stringequalsignorecase",
    "stringnotequalsignorecase",
    "stringlike",
    "stringnotlike",
    "numericequals",
    "numericnotequals",
    "numericlessthan",
    "numericlessthanequals",
    "numericgreaterthan",
    "numericgreaterthanequals",
    "dateequals",
    "datenotequals",
    "datelessthan",
    "datelessthanequals",
    "dategreaterthan",
    "dategreaterthanequals",
    "bool",
    "binaryequals",
    "ipaddress",
    "notipaddress",
    "arnequals",
    "arnlike",
    "arnnotequals",
    "arnnotlike",
    "null",
];

/// Check an operator as written (`StringEquals`, `ForAnyValue:StringLikeIfExists`, ...)
/// against the IAM operator set, case-insensitively: a known base operator, optionally with
/// `IfExists` (not on `Null`) and optionally prefixed `ForAllValues:` or `ForAnyValue:`.
pub fn validate_operator(operator: &str) -> Result<(), String> {
    let lower = operator.to_ascii_lowercase();
    let unset = lower.strip_prefix("forallvalues:").or_else(|| lower.strip_prefix("foranyvalue:")).unwrap_or(&lower);
    let (base, if_exists) = match unset.strip_suffix("ifexists") {
        Some(b) => (b, true),
        None => (unset, false),
    };
    if !CONDITION_OPERATORS.contains(&base) {
        return Err(format!("unknown condition operator {operator:?}"));
    }
    if if_exists && base == "null" {
        return Err(format!("condition operator {operator:?}: Null cannot take IfExists"));
    }
    Ok(())
}

/// One condition: `"Operator": {"key": values}`, flattened to one entry per key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// As written, e.g. `StringEquals`, `ForAnyValue:StringLike`, `BoolIfExists`.
    pub operator: String,
    pub key: String,
    /// Values as strings (booleans and numbers are written as JSON would print them).
    pub values: Vec<String>,
}

impl Condition {
    /// The operator without `ForAllValues:`/`ForAnyValue:` and `IfExists`, lower-cased.
    pub fn base_operator(&self) -> String {
        let op = self.operator.to_ascii_lowercase();
        let op =
            op.strip_prefix("forallvalues:").or_else(|| op.strip_prefix("foranyvalue:")).unwrap_or(&op).to_string();
        op.strip_suffix("ifexists").unwrap_or(&op).to_string()
    }

    pub fn key_is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principal>,
    pub not_principal: Option<Principal>,
    pub action: Option<Vec<String>>,
    pub not_action: Option<Vec<String>>,
    pub resource: Option<Vec<String>>,
    pub not_resource: Option<Vec<String>>,
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// Does the statement's action element cover `action` (e.g. `s3:PutObject`)?
    pub fn applies_to_action(&self, action: &str) -> bool {
        if let Some(list) = &self.action {
            return list.iter().any(|p| wildcard_match(p, action, true));
        }
        if let Some(list) = &self.not_action {
            return !list.iter().any(|p| wildcard_match(p, action, true));
        }
        false
    }

    /// Does the statement's resource element cover `arn`? A statement with neither `Resource`
    /// nor `NotResource` (allowed in resource policies for some services) covers everything.
    pub fn applies_to_resource(&self, arn: &str) -> bool {
        if let Some(list) = &self.resource {
            return list.iter().any(|p| wildcard_match(p, arn, false));
        }
        if let Some(list) = &self.not_resource {
            return !list.iter().any(|p| wildcard_match(p, arn, false));
        }
        true
    }

    /// True when the statement applies to every principal: `Principal: "*"`/`{"AWS":"*"}`,
    /// or a `NotPrincipal` (which applies to everyone not listed).
    pub fn applies_to_everyone(&self) -> bool {
        self.principal.as_ref().is_some_and(Principal::is_everyone) || self.not_principal.is_some()
    }

    /// The conditions on `key` (case-insensitive).
    pub fn conditions_on<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Condition> + 'a {
        self.conditions.iter().filter(move |c| c.key_is(key))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

/// Statements beyond this count are refused: IAM's own size limits keep real documents far
/// smaller, and the cap bounds the work a hostile document can cause.
pub const MAX_STATEMENTS: usize = 5_000;

/// Policy text longer than this (in bytes) is refused before parsing. IAM's largest documents
/// (S3 bucket policies, 20 KiB) are far smaller; the cap bounds the work a hostile input causes.
pub const MAX_POLICY_BYTES: usize = 1024 * 1024;

impl PolicyDocument {
    /// Parse a policy document from JSON text. Text over [`MAX_POLICY_BYTES`] is refused;
    /// nesting deeper than serde_json's recursion limit (128) is a JSON error, not a stack
    /// overflow.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        if text.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::TooLarge { size: text.len(), limit: MAX_POLICY_BYTES });
        }
        let value: Value = serde_json::from_str(text).map_err(|e| PolicyError::Json(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Parse a policy document as IAM's API returns it: URL-encoded (RFC 3986 `%XX` escapes;
    /// `+` is a literal plus, not a space). Text that starts with `{` (after whitespace) is
    /// taken as plain JSON, since decoding it could corrupt a literal `%`; other text that
    /// contains `%` is decoded first. A malformed escape or a decoded text that is not UTF-8
    /// is a [`PolicyError::Encoding`].
    pub fn parse_iam(text: &str) -> Result<Self, PolicyError> {
        if text.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::TooLarge { size: text.len(), limit: MAX_POLICY_BYTES });
        }
        if text.trim_start().starts_with('{') || !text.contains('%') {
            return Self::parse(text);
        }
        Self::parse(&percent_decode_strict(text)?)
    }

    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        let obj = value.as_object().ok_or(PolicyError::NotAnObject)?;
        let version = opt_string(obj.get("Version"), "Version")?;
        let id = opt_string(obj.get("Id"), "Id")?;
        let statements = match obj.get("Statement") {
            None => return Err(PolicyError::NoStatement),
            Some(Value::Array(items)) => {
                if items.len() > MAX_STATEMENTS {
                    return Err(invalid(
                        "Statement",
                        format!("{} statements exceed the limit of {MAX_STATEMENTS}", items.len()),
                    ));
                }
                items.iter().enumerate().map(|(i, s)| parse_statement(s, &format!("Statement[{i}]"))).collect::<Result<
                    Vec<_>,
                    _,
                >>(
                )?
            }
            Some(s @ Value::Object(_)) => vec![parse_statement(s, "Statement")?],
            Some(_) => return Err(invalid("Statement", "must be an object or a list of objects")),
        };
        Ok(Self { version, id, statements })
    }
}

/// Decode RFC 3986 percent-escapes, refusing a `%` not followed by two hex digits and a
/// result that is not UTF-8. `+` is left as is.
fn percent_decode_strict(text: &str) -> Result<String, PolicyError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|&b| b == b'%') {
        let at = i + off;
        let escape = bytes.get(at + 1..at + 3);
        if !escape.is_some_and(|e| e.iter().all(u8::is_ascii_hexdigit)) {
            let shown: String = text[at..].chars().take(3).collect();
            return Err(PolicyError::Encoding(format!("bad escape {shown:?} at byte {at}")));
        }
        i = at + 3;
    }
    let decoded: Vec<u8> = percent_encoding::percent_decode(bytes).collect();
    String::from_utf8(decoded).map_err(|e| {
        PolicyError::Encoding(format!("decoded text is not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to()))
    })
}

fn opt_string(v: Option<&Value>, path: &str) -> Result<Option<String>, PolicyError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(path, "must be a string")),
    }
}

/// A string or a list of strings.
fn string_list(v: &Value, path: &str) -> Result<Vec<String>, PolicyError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                _ => Err(invalid(format!("{path}[{i}]"), "must be a string")),
            })
            .collect(),
        _ => Err(invalid(path, "must be a string or a list of strings")),
    }
}

/// A condition value: a string, boolean or number, or a list of them.
fn scalar_list(v: &Value, path: &str) -> Result<Vec<String>, PolicyError> {
    let one = |item: &Value, p: &str| match item {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(invalid(p, "must be a string, boolean or number")),
    };
    match v {
        Value::Array(items) => items.iter().enumerate().map(|(i, item)| one(item, &format!("{path}[{i}]"))).collect(),
        other => Ok(vec![one(other, path)?]),
    }
}

fn parse_principal(v: &Value, path: &str) -> Result<Principal, PolicyError> {
    match v {
        Value::String(s) if s == "*" => Ok(Principal::Any),
        Value::String(s) => Err(invalid(path, format!("a string principal must be \"*\", got {s:?}"))),
        Value::Object(map) => {
            let mut out = BTreeMap::new();
            for (k, val) in map {
                if !["AWS", "Service", "Federated", "CanonicalUser"].iter().any(|t| t.eq_ignore_ascii_case(k)) {
                    return Err(invalid(
                        format!("{path}.{k}"),
                        "unknown principal type (expected AWS, Service, Federated or CanonicalUser)",
                    ));
                }
                out.insert(k.clone(), string_list(val, &format!("{path}.{k}"))?);
            }
            Ok(Principal::Map(out))
        }
        _ => Err(invalid(path, "must be \"*\" or an object")),
    }
}

fn parse_conditions(v: &Value, path: &str) -> Result<Vec<Condition>, PolicyError> {
    let ops = v.as_object().ok_or_else(|| invalid(path, "must be an object of operators"))?;
    let mut out = Vec::new();
    for (op, keys) in ops {
        validate_operator(op).map_err(|reason| invalid(format!("{path}.{op}"), reason))?;
        let keys =
            keys.as_object().ok_or_else(|| invalid(format!("{path}.{op}"), "must be an object of condition keys"))?;
        for (key, values) in keys {
            out.push(Condition {
                operator: op.clone(),
                key: key.clone(),
                values: scalar_list(values, &format!("{path}.{op}.{key}"))?,
            });
        }
    }
    Ok(out)
}

fn parse_statement(v: &Value, path: &str) -> Result<Statement, PolicyError> {
    let obj = v.as_object().ok_or_else(|| invalid(path, "must be an object"))?;
    let effect = match obj.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(other) => {
            return Err(invalid(format!("{path}.Effect"), format!("must be \"Allow\" or \"Deny\", got {other}")))
        }
        None => return Err(invalid(format!("{path}.Effect"), "is missing")),
    };
    let list = |name: &str| obj.get(name).map(|v| string_list(v, &format!("{path}.{name}"))).transpose();
    let principal = obj.get("Principal").map(|v| parse_principal(v, &format!("{path}.Principal"))).transpose()?;
    let not_principal =
        obj.get("NotPrincipal").map(|v| parse_principal(v, &format!("{path}.NotPrincipal"))).transpose()?;
    let action = list("Action")?;
    let not_action = list("NotAction")?;
    if action.is_some() && not_action.is_some() {
        return Err(invalid(path, "has both Action and NotAction"));
    }
    if action.is_none() && not_action.is_none() {
        return Err(invalid(path, "has neither Action nor NotAction"));
    }
    let resource = list("Resource")?;
    let not_resource = list("NotResource")?;
    if resource.is_some() && not_resource.is_some() {
        return Err(invalid(path, "has both Resource and NotResource"));
    }
    let conditions = obj
        .get("Condition")
        .map(|c| parse_conditions(c, &format!("{path}.Condition")))
        .transpose()?
        .unwrap_or_default();
    Ok(Statement {
        sid: opt_string(obj.get("Sid"), &format!("{path}.Sid"))?,
        effect,
        principal,
        not_principal,
        action,
        not_action,
        resource,
        not_resource,
        conditions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_statement_object_and_scalar_forms() {
        let p = PolicyDocument::parse(
            r#"{"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":false}}}}"#,
        )
        .unwrap();
        let s = &p.statements[0];
        assert_eq!(s.effect, Effect::Deny);
        assert_eq!(s.principal, Some(Principal::Any));
        assert_eq!(s.conditions[0].values, vec!["false"]);
        assert!(s.applies_to_action("S3:GETOBJECT"));
        assert!(s.applies_to_resource("arn:aws:s3:::b/k"));
    }

    #[test]
    fn parses_principal_maps_and_accounts() {
        let p = PolicyDocument::parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","444455556666"],"Service":"logging.s3.amazonaws.com"},"Action":["s3:PutObject"],"Resource":"*"}]}"#,
        )
        .unwrap();
        let pr = p.statements[0].principal.as_ref().unwrap();
        assert_eq!(pr.aws_accounts(), vec!["111122223333", "444455556666"]);
        assert_eq!(pr.values("service"), vec!["logging.s3.amazonaws.com"]);
        assert!(!pr.is_everyone());
    }

    #[test]
    fn rejections_name_the_element() {
        let cases = [
            ("not json", "not valid JSON"),
            ("[]", "not a JSON object"),
            (r#"{"Version":"2012-10-17"}"#, "no Statement"),
            (r#"{"Statement":[{"Effect":"Maybe","Action":"*"}]}"#, "Statement[0].Effect"),
            (r#"{"Statement":[{"Effect":"Allow"}]}"#, "neither Action nor NotAction"),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Principal":{"Robot":"x"}}]}"#,
                "Statement[0].Principal.Robot",
            ),
            (r#"{"Statement":[{"Effect":"Allow","Action":[1]}]}"#, "Statement[0].Action[0]"),
            (r#"{"Statement":[{"Effect":"Allow","Action":"*","Condition":{"Bool":{"k":{}}}}]}"#, "Condition.Bool.k"),
        ];
        for (doc, needle) in cases {
            let err = PolicyDocument::parse(doc).unwrap_err().to_string();
            assert!(err.contains(needle), "{doc}: {err}");
        }
    }

    #[test]
    fn not_action_and_not_principal() {
        let p = PolicyDocument::parse(r#"{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"NotAction":"s3:Delete*","NotResource":"arn:aws:s3:::b"}]}"#).unwrap();
        let s = &p.statements[0];
        assert!(s.applies_to_everyone());
        assert!(s.applies_to_action("s3:GetObject"));
        assert!(!s.applies_to_action("s3:DeleteObject"));
        assert!(!s.applies_to_resource("arn:aws:s3:::b"));
        assert!(s.applies_to_resource("arn:aws:s3:::b/x"));
    }

    #[test]
    fn condition_base_operator_strips_set_and_ifexists() {
        let c = Condition {
            operator: "ForAnyValue:StringEqualsIfExists".into(),
            key: "aws:SourceVpce".into(),
            values: vec![],
        };
        assert_eq!(c.base_operator(), "stringequals");
        assert!(c.key_is("AWS:SOURCEVPCE"));
    }
}
