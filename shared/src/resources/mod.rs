//! Resources as the collectors saw them: plain structs with `Default` and test fixtures.

pub mod account;
pub mod cloudformation;
pub mod iam;
pub mod lambda;
pub mod messaging;
pub mod network;
pub mod s3;
pub mod secretsmanager;
