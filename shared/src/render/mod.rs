//! Renderers: pure functions from findings to ASFF, SNS messages, JSON and SARIF.

pub mod asff;
pub mod json;
pub mod sns;
