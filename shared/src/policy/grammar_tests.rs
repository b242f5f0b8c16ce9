//! Table-driven tests of the policy grammar: every accepted form of every element, the
//! condition operator set, URL-encoded documents and the size limits.

use super::*;

fn one(statement: &str) -> Statement {
    let doc = PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#))
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
    assert_eq!(doc.statements.len(), 1);
    doc.statements.into_iter().next().unwrap()
}

fn list(v: &[&str]) -> Option<Vec<String>> {
    Some(v.iter().map(|s| s.to_string()).collect())
}

#[test]
fn statement_as_object_or_list() {
    let body = r#"{"Sid":"S","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#;
    for doc in [
        format!(r#"{{"Statement":{body}}}"#),
        format!(r#"{{"Statement":[{body}]}}"#),
        format!(r#"{{"Version":"2012-10-17","Id":"x","Statement":[{body},{body}]}}"#),
    ] {
        let d = PolicyDocument::parse(&doc).unwrap();
        assert!(!d.statements.is_empty());
        assert!(d.statements.iter().all(|s| s.sid.as_deref() == Some("S")), "{doc}");
    }
    let d = PolicyDocument::parse(r#"{"Statement":[]}"#).unwrap();
    assert!(d.statements.is_empty());
}

#[test]
fn action_and_resource_elements() {
    // (element JSON, action, not_action, resource, not_resource)
    type Case = (&'static str, Option<Vec<String>>, Option<Vec<String>>, Option<Vec<String>>, Option<Vec<String>>);
    let cases: Vec<Case> = vec![
        (r#""Action":"s3:GetObject","Resource":"*""#, list(&["s3:GetObject"]), None, list(&["*"]), None),
        (
            r#""Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]"#,
            list(&["s3:GetObject", "s3:PutObject"]),
            None,
            list(&["arn:aws:s3:::b", "arn:aws:s3:::b/*"]),
            None,
        ),
        (
            r#""NotAction":"iam:*","NotResource":"arn:aws:s3:::b""#,
            None,
            list(&["iam:*"]),
            None,
            list(&["arn:aws:s3:::b"]),
        ),
        (
            r#""NotAction":["iam:*","sts:*"],"NotResource":["a","b"]"#,
            None,
            list(&["iam:*", "sts:*"]),
            None,
            list(&["a", "b"]),
        ),
        (r#""Action":"*""#, list(&["*"]), None, None, None),
    ];
    for (element, action, not_action, resource, not_resource) in cases {
        let s = one(&format!(r#"{{"Effect":"Allow",{element}}}"#));
        assert_eq!(s.action, action, "{element}");
        assert_eq!(s.not_action, not_action, "{element}");
        assert_eq!(s.resource, resource, "{element}");
        assert_eq!(s.not_resource, not_resource, "{element}");
    }
}

#[test]
fn principal_forms() {
    let cases: &[(&str, bool, &str, &[&str])] = &[
        // (element, is_everyone, principal type to read, expected values)
        (r#""Principal":"*""#, true, "AWS", &[]),
        (r#""Principal":{"AWS":"*"}"#, true, "AWS", &["*"]),
        (r#""Principal":{"AWS":["*"]}"#, true, "AWS", &["*"]),
        (r#""Principal":{"AWS":"123456789012"}"#, false, "AWS", &["123456789012"]),
        (
            r#""Principal":{"AWS":["arn:aws:iam::123456789012:root","arn:aws:iam::210987654321:role/r"]}"#,
            false,
            "aws",
            &["arn:aws:iam::123456789012:root", "arn:aws:iam::210987654321:role/r"],
        ),
        (r#""Principal":{"Service":"lambda.amazonaws.com"}"#, false, "Service", &["lambda.amazonaws.com"]),
        (
            r#""Principal":{"Service":["lambda.amazonaws.com","edgelambda.amazonaws.com"]}"#,
            false,
            "SERVICE",
            &["lambda.amazonaws.com", "edgelambda.amazonaws.com"],
        ),
        (
            r#""Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}"#,
            false,
            "Federated",
            &["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"],
        ),
        (
            r#""Principal":{"Federated":["cognito-identity.amazonaws.com"]}"#,
            false,
            "federated",
            &["cognito-identity.amazonaws.com"],
        ),
        (
            r#""Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbaced"}"#,
            false,
            "CanonicalUser",
            &["79a59df900b949e55d96a1e698fbaced"],
        ),
        (
            r#""Principal":{"AWS":"123456789012","Service":"sns.amazonaws.com"}"#,
            false,
            "Service",
            &["sns.amazonaws.com"],
        ),
    ];
    for (element, everyone, kind, values) in cases {
        for (key, negated) in [("Principal", false), ("NotPrincipal", true)] {
            let element = element.replace("\"Principal\"", &format!("\"{key}\""));
            let s = one(&format!(r#"{{"Effect":"Allow",{element},"Action":"s3:GetObject","Resource":"*"}}"#));
            let p = if negated { s.not_principal.as_ref() } else { s.principal.as_ref() }.unwrap();
            assert_eq!(p.is_everyone(), *everyone, "{element}");
            assert_eq!(p.values(kind), values.to_vec(), "{element}");
            // NotPrincipal applies to everyone not listed.
            assert_eq!(s.applies_to_everyone(), *everyone || negated, "{element}");
        }
    }
    let s = one(
        r#"{"Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::210987654321:user/u","*","bogus"]},"Action":"*"}"#,
    );
    assert_eq!(s.principal.unwrap().aws_accounts(), vec!["123456789012", "210987654321"]);
}

#[test]
fn condition_values_as_booleans_numbers_strings_and_lists() {
    let s = one(r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
            "Bool":{"aws:SecureTransport":true,"aws:MultiFactorAuthPresent":"false"},
            "NumericLessThan":{"aws:MultiFactorAuthAge":3600,"s3:max-keys":1.5},
            "StringEquals":{"aws:PrincipalTag/team":["a","b"],"aws:RequestedRegion":[]},
            "DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},
            "Null":{"aws:TokenIssueTime":[true,false]}
        }}"#);
    let values = |key: &str| s.conditions_on(key).next().unwrap_or_else(|| panic!("{key}")).values.clone();
    assert_eq!(values("aws:SecureTransport"), vec!["true"]);
    assert_eq!(values("AWS:MULTIFACTORAUTHPRESENT"), vec!["false"]);
    assert_eq!(values("aws:MultiFactorAuthAge"), vec!["3600"]);
    assert_eq!(values("s3:max-keys"), vec!["1.5"]);
    assert_eq!(values("aws:PrincipalTag/team"), vec!["a", "b"]);
    assert!(values("aws:RequestedRegion").is_empty());
    assert_eq!(values("aws:TokenIssueTime"), vec!["true", "false"]);
    assert_eq!(s.conditions.len(), 8);
}

#[test]
fn every_condition_operator_with_every_modifier_is_accepted() {
    let names = [
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "Null",
    ];
    assert_eq!(names.len(), CONDITION_OPERATORS.len());
    let mut accepted = 0;
    for name in names {
        for prefix in ["", "ForAllValues:", "ForAnyValue:", "forallvalues:", "FORANYVALUE:"] {
            for suffix in ["", "IfExists", "ifexists"] {
                let op = format!("{prefix}{name}{suffix}");
                let doc =
                    format!(r#"{{"Statement":{{"Effect":"Allow","Action":"*","Condition":{{"{op}":{{"k":"v"}}}}}}}}"#);
                let result = PolicyDocument::parse(&doc);
                if name == "Null" && !suffix.is_empty() {
                    let err = result.unwrap_err().to_string();
                    assert!(
                        err.contains("Statement.Condition") && err.contains(&op) && err.contains("IfExists"),
                        "{err}"
                    );
                } else {
                    let d = result.unwrap_or_else(|e| panic!("{op}: {e}"));
                    assert_eq!(d.statements[0].conditions[0].operator, op);
                    assert_eq!(d.statements[0].conditions[0].base_operator(), name.to_ascii_lowercase());
                    accepted += 1;
                }
            }
        }
    }
    assert_eq!(accepted, 27 * 15 - 10);
    // Mixed case is accepted, as IAM matching is case-insensitive.
    assert!(validate_operator("stringEQUALS").is_ok());
}

#[test]
fn unknown_condition_operators_are_refused_naming_path_and_operator() {
    for op in [
        "StringEqualz",
        "StringEqualsIfExistsIfExists",
        "ForAllValues:ForAnyValue:StringEquals",
        "ForSomeValues:StringEquals",
        "IfExists",
        "",
        "StringEquals:",
        "NullIfExists",
        "Numeric",
    ] {
        let doc = format!(
            r#"{{"Statement":[{{"Effect":"Allow","Action":"*"}},{{"Effect":"Allow","Action":"*","Condition":{{"{op}":{{"k":"v"}}}}}}]}}"#
        );
        let err = PolicyDocument::parse(&doc).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, PolicyError::Invalid { .. }), "{op}: {msg}");
        assert!(msg.contains("Statement[1].Condition"), "{op}: {msg}");
        assert!(msg.contains(&format!("{op:?}")), "{op}: {msg}");
    }
}

#[test]
fn parse_iam_decodes_url_encoded_documents() {
    let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a+b/100%","Condition":{"StringLike":{"s3:prefix":"x y"}}}]}"#;
    // IAM's encoding: every reserved character escaped; `+` stays literal here because
    // this encoder escapes it as %2B.
    let encoded: String = plain
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    assert!(encoded.starts_with("%7B"));
    let want = PolicyDocument::parse(plain).unwrap();
    assert_eq!(PolicyDocument::parse_iam(&encoded).unwrap(), want);
    // Lower-case hex digits are valid escapes too.
    let lower_hex: String = plain.bytes().map(|b| format!("%{b:02x}")).collect();
    assert_eq!(PolicyDocument::parse_iam(&lower_hex).unwrap(), want);
    // Plain JSON (even with a literal `%`) is parsed as is.
    assert_eq!(PolicyDocument::parse_iam(plain).unwrap(), want);
    assert_eq!(PolicyDocument::parse_iam(&format!("  \n{plain}")).unwrap(), want);

    // `+` is a literal plus, not a space.
    let with_plus = "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Aa+b%22%7D%7D";
    let d = PolicyDocument::parse_iam(with_plus).unwrap();
    assert_eq!(d.statements[0].resource, list(&["arn:aws:s3:::a+b"]));

    // Non-ASCII text survives the round trip.
    let d = PolicyDocument::parse_iam("%7B%22Statement%22%3A%7B%22Sid%22%3A%22caf%C3%A9%22%2C%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%22*%22%7D%7D").unwrap();
    assert_eq!(d.statements[0].sid.as_deref(), Some("café"));
}

#[test]
fn parse_iam_refuses_bad_encodings() {
    let cases = [
        ("%7B%22Statement%2", "bad escape \"%2\""),
        ("%7B%ZZ%7D", "bad escape \"%ZZ\" at byte 3"),
        ("%7B%", "bad escape \"%\""),
        ("%7B%22Sid%22%3A%22%FF%FE%22%7D", "not valid UTF-8"),
        ("%7B%22caf%C3%22%7D", "not valid UTF-8"),
        ("%é", "bad escape \"%é\""),
    ];
    for (text, needle) in cases {
        let err = PolicyDocument::parse_iam(text).unwrap_err();
        assert!(matches!(err, PolicyError::Encoding(_)), "{text}: {err}");
        assert!(err.to_string().contains(needle), "{text}: {err}");
    }
    // Text without `%` that is not JSON is a JSON error.
    assert!(matches!(PolicyDocument::parse_iam("Statement"), Err(PolicyError::Json(_))));
}

#[test]
fn ten_thousand_statements_are_refused() {
    let statement = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#;
    let body = vec![statement; 10_000].join(",");
    let doc = format!(r#"{{"Statement":[{body}]}}"#);
    assert!(doc.len() < MAX_POLICY_BYTES, "the statement limit, not the size limit, must refuse it");
    let err = PolicyDocument::parse(&doc).unwrap_err().to_string();
    assert!(err.contains("10000 statements exceed the limit of 5000"), "{err}");
    let at_limit = format!(r#"{{"Statement":[{}]}}"#, vec![statement; MAX_STATEMENTS].join(","));
    assert_eq!(PolicyDocument::parse(&at_limit).unwrap().statements.len(), MAX_STATEMENTS);
}

#[test]
fn text_over_one_mebibyte_is_refused() {
    let sid = "x".repeat(MAX_POLICY_BYTES);
    let doc = format!(r#"{{"Statement":{{"Sid":"{sid}","Effect":"Allow","Action":"*"}}}}"#);
    for result in [PolicyDocument::parse(&doc), PolicyDocument::parse_iam(&doc)] {
        let err = result.unwrap_err();
        assert!(matches!(err, PolicyError::TooLarge { limit: MAX_POLICY_BYTES, .. }), "{err}");
        assert!(err.to_string().contains("over the limit of 1048576 bytes"), "{err}");
    }
    let encoded = "%7B".repeat(MAX_POLICY_BYTES / 3 + 1);
    assert!(matches!(PolicyDocument::parse_iam(&encoded), Err(PolicyError::TooLarge { .. })));
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for depth in [200, 100_000] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let doc = format!("{{\"Statement\":{}1{}}}", open.repeat(depth), close.repeat(depth));
            let err = PolicyDocument::parse(&doc).unwrap_err();
            assert!(matches!(err, PolicyError::Json(ref m) if m.contains("recursion limit")), "{depth}: {err}");
        }
    }
    // Nesting inside a condition value is refused as a value of the wrong type.
    let doc = r#"{"Statement":{"Effect":"Allow","Action":"*","Condition":{"Bool":{"k":[[[true]]]}}}}"#;
    assert!(PolicyDocument::parse(doc).unwrap_err().to_string().contains("Condition.Bool.k[0]"));
}

#[test]
fn malformed_elements_are_refused_with_their_path() {
    let cases = [
        (r#"{"Statement":"x"}"#, "Statement: must be an object or a list"),
        (r#"{"Statement":[1]}"#, "Statement[0]: must be an object"),
        (r#"{"Version":1,"Statement":[]}"#, "Version: must be a string"),
        (r#"{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"*"}]}"#, "both Action and NotAction"),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}]}"#,
            "both Resource and NotResource",
        ),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":{}}]}"#,
            "Statement[0].Resource: must be a string or a list",
        ),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Principal":"arn:aws:iam::1:root"}]}"#,
            "Statement[0].Principal: a string principal must be",
        ),
        (r#"{"Statement":[{"Effect":"Allow","Action":"*","Principal":["*"]}]}"#, "Statement[0].Principal: must be"),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Principal":{"AWS":{"x":1}}}]}"#,
            "Statement[0].Principal.AWS",
        ),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Condition":[]}]}"#,
            "Statement[0].Condition: must be an object",
        ),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Condition":{"Bool":"x"}}]}"#,
            "Statement[0].Condition.Bool: must be an object",
        ),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Condition":{"Bool":{"k":null}}}]}"#,
            "Statement[0].Condition.Bool.k",
        ),
        (r#"{"Statement":[{"Effect":"Allow","Action":"*","Sid":3}]}"#, "Statement[0].Sid: must be a string"),
    ];
    for (doc, needle) in cases {
        let err = PolicyDocument::parse(doc).unwrap_err().to_string();
        assert!(err.contains(needle), "{doc}: {err}");
    }
}
