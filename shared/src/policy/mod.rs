//! IAM policy documents: parsing and the questions rules ask of them.
//!
//! The shared policy engine. `document` parses the full policy grammar (`Statement` as an
//! object or list; `Action`/`NotAction`, `Resource`/`NotResource`, `Principal`/`NotPrincipal`
//! as a string, list or map; the IAM condition operator set with `IfExists` and set
//! prefixes; condition values as strings, booleans or numbers), including the URL-encoded
//! form IAM's API returns ([`PolicyDocument::parse_iam`]), and refuses oversized input.
//! Matching of actions, condition keys and operators is case-insensitive, as IAM's is.
//! `actions` is the embedded IAM action table (access levels, resource-level support) and
//! `grants` expands a statement's actions against it. `exposure` says which statements make a
//! resource public or reach outside the account; every "not public" and cross-account rule
//! reuses it.

pub mod actions;
mod document;
mod exposure;
#[cfg(test)]
mod grammar_tests;
mod grants;
mod matching;

pub use actions::{AccessLevel, ActionInfo};
pub use document::{
    account_of_principal, validate_operator, Condition, Effect, PolicyDocument, PolicyError, Principal, Statement,
    CONDITION_OPERATORS, MAX_POLICY_BYTES, MAX_STATEMENTS,
};
pub use exposure::{
    external_grants, has_restricting_condition, is_public_statement, is_restricting_condition, public_statements,
    ExternalGrant, ExternalKind, Trust, RESTRICTING_KEYS,
};
pub use matching::{globs_intersect, wildcard_match};
