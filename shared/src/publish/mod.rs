//! Publishers: the only code that writes findings out (SQS, Security Hub, SNS).

pub mod securityhub;
pub mod sns;
pub mod sqs;
