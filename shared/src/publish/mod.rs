//! Publishers: the only code that writes findings out (SQS, Security Hub, SNS, the alert
//! webhook, AWS Config evaluations, and the publisher's own outbox queues).

pub mod config_evaluations;
pub mod members;
pub mod outbox;
pub mod securityhub;
pub mod sns;
pub mod sqs;
pub mod webhook;
