//! `ztscan rules` and `ztscan explain`, run as the built binary.

use std::process::Command;

fn ztscan(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ztscan")).args(args).env_remove("ZTSCAN_LOG").output().unwrap()
}

#[test]
fn rules_markdown_is_the_committed_docs_file() {
    let out = ztscan(&["rules", "--format", "markdown"]);
    assert!(out.status.success());
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/rules.md")).unwrap();
    assert!(String::from_utf8(out.stdout).unwrap() == committed, "docs/rules.md is stale");
}

#[test]
fn rules_lists_every_rule_as_a_table_or_json() {
    let table = String::from_utf8(ztscan(&["rules"]).stdout).unwrap();
    assert!(table.lines().any(|l| l.starts_with("s3.bucket-requires-tls ")), "{table}");
    let json: serde_json::Value = serde_json::from_slice(&ztscan(&["rules", "--format", "json"]).stdout).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), table.lines().count() - 1);
    assert!(rows.iter().all(|r| r["doc"]["what_it_checks"].as_str().is_some_and(|s| !s.is_empty())));
}

#[test]
fn explain_prints_one_rule() {
    let out = ztscan(&["explain", "lambda.url-requires-auth"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "Severity:       HIGH",
        "Prowler awslambda_function_url_public",
        "lambda:ListFunctionUrlConfigs",
        "What it checks",
    ] {
        assert!(text.contains(want), "missing {want:?}:\n{text}");
    }
}

#[test]
fn explain_of_an_unknown_id_fails_and_suggests_the_closest() {
    let out = ztscan(&["explain", "lambda.url-require-auth"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no rule \"lambda.url-require-auth\"; did you mean lambda.url-requires-auth"), "{err}");
    assert!(out.stdout.is_empty());
}
