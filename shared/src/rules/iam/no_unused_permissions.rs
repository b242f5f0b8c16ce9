//! The rule `iam.no-unused-permissions`; its documentation is on [`NoUnusedPermissions`].

use chrono::Duration;

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::iam::IamRole;
use crate::rules::Rule;

rule! {
    pub struct NoUnusedPermissions;
    id: "iam.no-unused-permissions",
    title: "Roles are not granted services they have not used recently",
    severity: Medium,
    resource_type: "AwsIamRole",
    trigger: Periodic,
    mappings: [],
    seeds: ["004"],
    what_it_checks: "From IAM Access Advisor (`GenerateServiceLastAccessedDetails`): the role\n\
        has not been granted any service that it has not used within `unused_days` (default 90),\n\
        that is a service it never used in the tracking period, or last used before\n\
        `now - unused_days`. The reason lists each unused service with when it was last used.\n\
        A role created less than `unused_days` ago is NOT_APPLICABLE (the tracking period is too\n\
        short to call anything unused); so are service-linked roles (AWS owns their permissions)\n\
        and roles for which Access Advisor data was not requested. A failed Access Advisor call is\n\
        UNKNOWN.",
    why_it_matters: "Permissions that are never used are pure risk: they do nothing for the\n\
        workload and everything for an attacker who obtains the role's credentials. Access Advisor\n\
        is AWS's own evidence of what a role really needs.",
    example: "A function role granted `s3`, `dynamodb` and `sqs` that has only called\n\
        `dynamodb` in the last 90 days fails, naming `s3` and `sqs`.",
    remediation: "Remove permissions for services the role has not used within the unused_days window (see IAM Access Advisor), or raise unused_days if the use is rare but needed.\n\
        \n\
        Remove the unused services' actions from the role's policies (IAM Access\n\
        Analyzer can generate a policy from CloudTrail activity); if a permission is needed only\n\
        rarely, document it and raise `unused_days`.",
    references: "IAM User Guide, \"Refine permissions in AWS using last accessed\n\
        information\".",
}

impl Rule for NoUnusedPermissions {
    type Resource = IamRole;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, role: &IamRole, ctx: &ScanContext) -> Outcome {
        if role.is_service_linked() {
            return Outcome::not_applicable("service-linked roles are owned by AWS");
        }
        let days = ctx.config.unused_days;
        let cutoff = ctx.now - Duration::days(i64::from(days));
        if let Some(created) = role.create_date {
            if created > cutoff {
                return Outcome::not_applicable(format!(
                    "the role was created {} and is younger than unused_days ({days}): the tracking period is too short",
                    created.format("%Y-%m-%d")
                ));
            }
        }
        let Some(services) = known!(role.service_last_accessed) else {
            return Outcome::not_applicable("Access Advisor data was not collected for this role");
        };
        if services.is_empty() {
            return Outcome::pass("the role is granted no AWS service");
        }
        let mut unused: Vec<String> = services
            .iter()
            .filter(|s| s.last_authenticated.is_none_or(|t| t < cutoff))
            .map(|s| match s.last_authenticated {
                None => format!("{} (never used)", s.namespace),
                Some(t) => format!("{} (last used {})", s.namespace, t.format("%Y-%m-%d")),
            })
            .collect();
        if unused.is_empty() {
            return Outcome::pass(format!("all {} granted services were used in the last {days} days", services.len()));
        }
        unused.sort();
        Outcome::fail(format!(
            "{} of {} granted services unused in the last {days} days: {}",
            unused.len(),
            services.len(),
            unused.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, Utc};

    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::resources::iam::ServiceLastAccessed;

    fn days_ago(days: i64) -> DateTime<Utc> {
        ScanContext::fixture().now - Duration::days(days)
    }

    fn service(namespace: &str, last: Option<i64>) -> ServiceLastAccessed {
        ServiceLastAccessed {
            namespace: namespace.into(),
            service_name: format!("Amazon {namespace}"),
            last_authenticated: last.map(days_ago),
        }
    }

    fn with(services: Vec<ServiceLastAccessed>) -> IamRole {
        IamRole { create_date: Some(days_ago(400)), service_last_accessed: Ok(Some(services)), ..IamRole::fixture("r") }
    }

    fn eval(r: &IamRole) -> Outcome {
        NoUnusedPermissions.evaluate(r, &ScanContext::fixture())
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, IamRole, Status)> = vec![
            ("all used recently", with(vec![service("s3", Some(1)), service("dynamodb", Some(89))]), Status::Pass),
            ("granted nothing", with(vec![]), Status::Pass),
            ("one never used", with(vec![service("s3", Some(1)), service("sqs", None)]), Status::Fail),
            ("one used 91 days ago", with(vec![service("s3", Some(91))]), Status::Fail),
            ("used exactly at the cutoff", with(vec![service("s3", Some(90))]), Status::Pass),
            (
                "young role",
                IamRole { create_date: Some(days_ago(10)), ..with(vec![service("sqs", None)]) },
                Status::NotApplicable,
            ),
            (
                "unknown creation date is judged",
                IamRole { create_date: None, ..with(vec![service("sqs", None)]) },
                Status::Fail,
            ),
            (
                "service-linked",
                IamRole { path: "/aws-service-role/x.amazonaws.com/".into(), ..with(vec![service("sqs", None)]) },
                Status::NotApplicable,
            ),
            (
                "not collected",
                IamRole { create_date: Some(days_ago(400)), service_last_accessed: Ok(None), ..IamRole::fixture("r") },
                Status::NotApplicable,
            ),
            (
                "access advisor failed",
                IamRole {
                    create_date: Some(days_ago(400)),
                    service_last_accessed: Err(CollectError::new(
                        CollectErrorKind::AccessDenied,
                        "iam:GenerateServiceLastAccessedDetails",
                        "denied",
                    )),
                    ..IamRole::fixture("r")
                },
                Status::Unknown,
            ),
        ];
        for (name, r, want) in cases {
            let o = eval(&r);
            assert_eq!(o.status, want, "{name}: {}", o.reason);
        }
    }

    #[test]
    fn fail_reason_lists_unused_services_sorted() {
        let r = with(vec![service("sqs", None), service("dynamodb", Some(3)), service("s3", Some(200))]);
        let o = eval(&r);
        assert_eq!(
            o.reason,
            "2 of 3 granted services unused in the last 90 days: s3 (last used 2026-04-15), sqs (never used)"
        );
    }

    #[test]
    fn unused_days_is_configuration() {
        let r = with(vec![service("s3", Some(40))]);
        let mut ctx = ScanContext::fixture();
        Arc::make_mut(&mut ctx.config).unused_days = 30;
        assert_eq!(NoUnusedPermissions.evaluate(&r, &ctx).status, Status::Fail);
        assert_eq!(eval(&r).status, Status::Pass);
    }
}
