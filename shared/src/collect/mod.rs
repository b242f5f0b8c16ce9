//! Collectors: the only code that calls the AWS SDK. Each paginates everything, converts SDK
//! output into the plain structs of `resources/` at once, and declares the IAM actions it
//! uses as data (a test checks `template.yaml` grants each function exactly those).

pub mod account;
pub mod api;
pub mod aws;
pub mod cloudformation;
pub mod data;
pub mod error;
pub mod guard;
pub mod iam;
pub mod identity;
pub mod lambda;
pub mod members;
pub mod messaging;
pub mod network;
pub mod pace;
pub mod pages;
pub mod s3;
pub mod secretsmanager;

pub use error::{CollectError, CollectErrorKind, Collected};
