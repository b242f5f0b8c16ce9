//! The rule `logs.lambda-log-group-retention-set`; its documentation is on
//! [`LambdaLogGroupRetentionSet`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::data::{FunctionLogGroup, LogGroupState};
use crate::rules::Rule;

rule! {
    pub struct LambdaLogGroupRetentionSet;
    id: "logs.lambda-log-group-retention-set",
    title: "Every Lambda function's log group exists and has a retention period",
    severity: Low,
    resource_type: "AwsLambdaFunction",
    trigger: Periodic,
    mappings: [AwsConfig("cw-loggroup-retention-period-check")],
    seeds: ["002", "003"],
    what_it_checks: "For each function (the Lambda collector's `ListFunctions` listing), the log\n\
        group it writes to (`LoggingConfig.LogGroup`, else `/aws/lambda/<function>`) exists\n\
        (`DescribeLogGroups`) and has `retentionInDays`. The finding is on the function and names\n\
        it and its group:\n\
        - no such group: FAIL (the function's logs are lost, or the group is created on first\n\
          write with the never-expire default, outside any template);\n\
        - a group without retention (never expire): FAIL;\n\
        - a group keeping events for some number of days: PASS, naming the days.\n\
        \n\
        A group that could not be read is UNKNOWN with the reason. A function deleted since the\n\
        scan is NOT_APPLICABLE (from the audit, not this rule). Config does not record log groups,\n\
        so the rule runs on the schedule only.",
    why_it_matters: "A missing group means the function's invocations leave no trace to\n\
        investigate; a group that never expires keeps whatever the function logged (request\n\
        bodies, tokens printed by mistake) forever, with cost growing without bound.",
    example: "A function deployed without an `AWS::Logs::LogGroup` for `/aws/lambda/<name>`: Lambda\n\
        creates the group on first invocation with retention \"Never expire\".",
    remediation: "Create the function's log group with a retention period, or set one on the existing group (logs put-retention-policy --log-group-name /aws/lambda/<fn> --retention-in-days <days>).\n\
        \n\
        Declare the group in the function's template (`AWS::Logs::LogGroup` with\n\
        `RetentionInDays`, and `LoggingConfig.LogGroup` pointing at it), or run `aws logs\n\
        put-retention-policy --log-group-name <group> --retention-in-days 30` on existing groups.",
    references: "",
}

impl Rule for LambdaLogGroupRetentionSet {
    type Resource = FunctionLogGroup;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, f: &FunctionLogGroup, _ctx: &ScanContext) -> Outcome {
        let (function, group) = (&f.function_name, &f.log_group);
        match known!(f.group) {
            LogGroupState::Missing => {
                Outcome::fail(format!("function {function} writes to log group {group}, which does not exist"))
            }
            LogGroupState::NeverExpires => Outcome::fail(format!(
                "function {function} writes to log group {group}, whose events never expire (no retention period)"
            )),
            LogGroupState::Retained(days) => {
                Outcome::pass(format!("function {function}'s log group {group} keeps events {days} days"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::data::denied;

    fn with(log_group: &str, group: Result<LogGroupState, &str>) -> FunctionLogGroup {
        FunctionLogGroup {
            log_group: log_group.into(),
            group: group.map_err(denied),
            ..FunctionLogGroup::fixture("api")
        }
    }

    #[test]
    fn table() {
        let cases = [
            (
                "retained",
                with("/aws/lambda/api", Ok(LogGroupState::Retained(30))),
                Status::Pass,
                "keeps events 30 days",
            ),
            (
                "custom group retained",
                with("/shared/app-logs", Ok(LogGroupState::Retained(7))),
                Status::Pass,
                "log group /shared/app-logs keeps events 7 days",
            ),
            (
                "never expires",
                with("/aws/lambda/api", Ok(LogGroupState::NeverExpires)),
                Status::Fail,
                "function api writes to log group /aws/lambda/api, whose events never expire",
            ),
            (
                "missing",
                with("/shared/app-logs", Ok(LogGroupState::Missing)),
                Status::Fail,
                "function api writes to log group /shared/app-logs, which does not exist",
            ),
            (
                "unreadable",
                with("/aws/lambda/api", Err("logs:DescribeLogGroups")),
                Status::Unknown,
                "access denied on logs:DescribeLogGroups",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, f, status, needle) in cases {
            let o = LambdaLogGroupRetentionSet.evaluate(&f, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
