//! ztscan: a continuous compliance scanner for AWS serverless accounts.
//!
//! The library is organised as collect, evaluate, publish: `collect` reads the account into
//! the plain structs of `resources`; `rules` are pure checks over them, run by `engine` with a
//! `ScanContext`; `render` turns findings into ASFF, SNS, JSON and SARIF; `publish` sends
//! them.

pub mod audit;
pub mod bad_input;
pub mod collect;
pub mod collected;
pub mod config_rule_invocation;
pub mod context;
#[cfg(test)]
mod layering_tests;
pub mod model;
pub mod policy;
pub mod regions;
pub mod resources;
pub mod rules;
pub mod scan_config;
pub mod secret_store;
pub mod secrets;
pub mod settings;
#[cfg(test)]
pub(crate) mod test_support;

pub use context::ScanContext;
pub use model::{Finding, Outcome, ResourceRef, RuleMeta, Severity, Status};
pub use scan_config::ScanConfig;
pub mod engine;
pub mod events;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod permissions;
pub mod pipeline;
pub mod publish;
pub mod render;
