//! CloudWatch Logs rules over the log group of each Lambda function.

use crate::resources::data::FunctionLogGroup;

use super::Rule;

mod lambda_log_group_retention_set;

pub use lambda_log_group_retention_set::LambdaLogGroupRetentionSet;

/// Rules evaluated once per function.
pub static FUNCTION_LOG_RULES: &[&dyn Rule<Resource = FunctionLogGroup>] = &[&LambdaLogGroupRetentionSet];
