//! Fuzz target: arbitrary bytes (as lossy UTF-8) through `PolicyDocument::parse_iam` and, on
//! success, every evaluator a rule runs on a parsed document. Any panic, overflow or
//! sanitizer report is a bug: bad input must be a `PolicyError`.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The policy module itself, compiled from the shared crate's source (see Cargo.toml).
#[allow(dead_code, unused_imports)]
#[path = "../../shared/src/policy/mod.rs"]
mod policy;

use policy::{external_grants, public_statements, PolicyDocument, Trust};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(doc) = PolicyDocument::parse_iam(&text) else { return };
    let _ = public_statements(&doc);
    let trusted = ["222222222222".to_string()];
    for org in [None, Some("o-abc123")] {
        let trust = Trust { account: "111111111111", organization_id: org, trusted_accounts: &trusted };
        for grant in external_grants(&doc, &trust) {
            assert!(!grant.label.is_empty() && !grant.who.is_empty());
        }
    }
    for statement in &doc.statements {
        let actions = statement.allowed_actions();
        assert!(actions.len() <= policy::actions::all().len());
        let _ = statement.resource_is_unrestricted();
    }
});
