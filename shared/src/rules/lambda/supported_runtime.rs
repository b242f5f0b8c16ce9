//! The rule `lambda.supported-runtime`; its documentation is on [`SupportedRuntime`].

use chrono::NaiveDate;

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::lambda::LambdaFunction;
use crate::rules::Rule;

use super::runtimes;

rule! {
    pub struct SupportedRuntime;
    id: "lambda.supported-runtime",
    title: "Lambda function uses a supported runtime",
    severity: Medium,
    resource_type: "AwsLambdaFunction",
    trigger: Change,
    mappings: [Fsbp("Lambda.2")],
    seeds: ["002"],
    what_it_checks: "The function's managed runtime is not deprecated on the scan date\n\
        (`ctx.now`), according to the table in `runtimes` (AWS's \"Lambda runtimes\" page):\n\
        - deprecated (the scan date is on or after the deprecation date) → FAIL with the date;\n\
        - deprecated within `WARNING_DAYS` (180) days → PASS, with a reason that warns and gives\n\
          the date, so the upgrade can be planned before the finding turns red;\n\
        - an identifier missing from the table → PASS saying so: the table lists every identifier\n\
          Lambda has ever deprecated, so an unknown one is newer than the table (a brand-new runtime\n\
          must not fail); the reason asks for the table to be refreshed;\n\
        - a container image (no managed runtime) → NOT_APPLICABLE: the language runtime is inside the\n\
          image and its patching is the image owner's job.\n\
        \n\
        `provided` (Amazon Linux 1) is deprecated; `provided.al2` and `provided.al2023` follow the\n\
        table. Nothing here is collected separately, so the rule has no UNKNOWN outcome.",
    why_it_matters: "Lambda stops applying security patches to a deprecated runtime, the\n\
        function loses technical support, and after the block dates it can no longer be created or\n\
        updated (not even to ship a fix) until it is migrated.",
    example: "A function on `python3.9` (deprecated 2025-12-15) or `nodejs18.x` (2025-09-01).",
    remediation: "Migrate the function to a supported runtime of the same language (aws lambda update-function-configuration --runtime <id>) after testing it on that version.\n\
        \n\
        Upgrade to a supported runtime of the same language (e.g. `python3.13`,\n\
        `nodejs22.x`, `provided.al2023`), test, and `aws lambda update-function-configuration\n\
        --runtime <id>`.",
    references: "",
}

/// How far ahead a coming deprecation is announced in a PASS reason.
pub const WARNING_DAYS: i64 = 180;

impl Rule for SupportedRuntime {
    type Resource = LambdaFunction;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, function: &LambdaFunction, ctx: &ScanContext) -> Outcome {
        let Some(id) = function.runtime.as_deref() else {
            return Outcome::not_applicable("the function is a container image: its runtime is part of the image");
        };
        let today = ctx.now.date_naive();
        let Some(date) = runtimes::lookup(id).and_then(|r| r.deprecation_date()) else {
            return Outcome::pass(format!(
                "runtime {id} is not in ztscan's runtime table, so it is newer than the table and not known to be deprecated (refresh rules/lambda/runtimes.rs)"
            ));
        };
        verdict(id, date, today)
    }
}

fn verdict(id: &str, date: NaiveDate, today: NaiveDate) -> Outcome {
    let days_left = (date - today).num_days();
    if days_left <= 0 {
        Outcome::fail(format!("runtime {id} was deprecated on {date}: Lambda no longer patches it"))
    } else if days_left <= WARNING_DAYS {
        Outcome::pass(format!(
            "runtime {id} is supported, but will be deprecated on {date} (in {days_left} day{}): plan the upgrade",
            if days_left == 1 { "" } else { "s" }
        ))
    } else {
        Outcome::pass(format!("runtime {id} is supported until {date}"))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::model::Status;
    use crate::resources::lambda::PackageType;

    fn eval_at(runtime: Option<&str>, now: &str) -> Outcome {
        let mut ctx = ScanContext::fixture();
        ctx.now = DateTime::parse_from_rfc3339(now).unwrap().with_timezone(&Utc);
        let package_type = if runtime.is_some() { PackageType::Zip } else { PackageType::Image };
        let f = LambdaFunction { runtime: runtime.map(str::to_string), package_type, ..LambdaFunction::fixture("f") };
        SupportedRuntime.evaluate(&f, &ctx)
    }

    #[test]
    fn table() {
        let cases: &[(Option<&str>, &str, Status, &str)] = &[
            (Some("python3.13"), "2026-11-01T00:00:00Z", Status::Pass, "supported until 2029-06-30"),
            (Some("python3.9"), "2026-11-01T00:00:00Z", Status::Fail, "deprecated on 2025-12-15"),
            (Some("provided"), "2026-11-01T00:00:00Z", Status::Fail, "deprecated on 2024-01-08"),
            (Some("go1.x"), "2026-11-01T00:00:00Z", Status::Fail, "go1.x was deprecated"),
            (Some("provided.al2023"), "2026-11-01T00:00:00Z", Status::Pass, "until 2029-06-30"),
            (Some("provided.al2"), "2026-11-01T00:00:00Z", Status::Fail, "deprecated on 2026-06-30"),
            (
                Some("provided.al2"),
                "2026-01-01T00:00:00Z",
                Status::Pass,
                "will be deprecated on 2026-06-30 (in 180 days)",
            ),
            (Some("provided.al2"), "2025-12-31T00:00:00Z", Status::Pass, "supported until 2026-06-30"),
            // On the deprecation date itself the runtime is deprecated.
            (Some("dotnet8"), "2026-11-10T00:00:00Z", Status::Fail, "deprecated on 2026-11-10"),
            (Some("dotnet8"), "2026-11-09T23:59:59Z", Status::Pass, "(in 1 day)"),
            (Some("python3.99"), "2026-11-01T00:00:00Z", Status::Pass, "not in ztscan's runtime table"),
            (None, "2026-11-01T00:00:00Z", Status::NotApplicable, "container image"),
        ];
        for (runtime, now, want, reason_has) in cases {
            let o = eval_at(*runtime, now);
            assert_eq!(o.status, *want, "{runtime:?} at {now}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{runtime:?} at {now}: {}", o.reason);
        }
    }
}
