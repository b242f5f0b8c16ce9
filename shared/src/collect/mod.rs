//! What every collector shares: the SDK configuration (`aws`), the answer guard, failed reads as
//! data (`error`), pagination (`pages`), pacing (`pace`), the caller's identity and the member
//! accounts' credentials (`members`).
//!
//! Each audit's collector lives beside its descriptor, in `audit/<name>/collector.rs`: the only
//! code that calls the AWS SDK. It paginates everything, converts SDK output into the plain
//! structs of `resources/` at once, and declares the IAM actions it uses as data (a test checks
//! `template.yaml` grants each function exactly those).

pub mod aws;
pub mod error;
pub mod guard;
pub mod identity;
pub mod members;
pub mod pace;
pub mod pages;

pub use error::{CollectError, CollectErrorKind, Collected};
