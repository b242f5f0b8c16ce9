//! Renderers: pure functions from findings to ASFF, SNS messages, JSON and SARIF, and from the
//! rule catalogue to the text of `ztscan rules`, `ztscan explain` and `docs/rules.md`.

pub mod asff;
pub mod json;
pub mod rules;
pub mod sns;
