//! Resources as the collectors saw them: plain structs with `Default` and test fixtures.

pub mod s3;
