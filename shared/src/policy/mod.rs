//! IAM policy documents: parsing and the questions rules ask of them.
//!
//! This is the seed of the shared policy engine. Today it parses the grammar S3 bucket
//! policies use (`Statement` as an object or list; `Action`/`NotAction`,
//! `Resource`/`NotResource`, `Principal`/`NotPrincipal` as a string, list or map; condition
//! values as strings, booleans or numbers) and answers the questions the S3 rules need.
//! Matching of actions and condition keys is case-insensitive, as IAM's is. `exposure` says
//! which statements make a resource public; every "not public" rule reuses it.

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
    has_restricting_condition, is_public_statement, is_restricting_condition, public_statements, RESTRICTING_KEYS,
};
pub use matching::wildcard_match;
