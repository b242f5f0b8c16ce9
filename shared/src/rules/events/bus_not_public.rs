//! The rule `events.bus-not-public`; its documentation is on [`BusNotPublic`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::messaging::EventBus;
use crate::rules::policy_checks::not_public;
use crate::rules::Rule;

rule! {
    pub struct BusNotPublic;
    id: "events.bus-not-public",
    title: "EventBridge event bus policy grants no access to everyone",
    severity: High,
    resource_type: "AwsEventsEventbus",
    trigger: Change,
    mappings: [Prowler("eventbridge_bus_exposed")],
    seeds: ["004"],
    what_it_checks: "The event bus's resource policy (the `default` bus included) has no\n\
        `Allow` statement that reaches everyone (`Principal: \"*\"`, `{\"AWS\": \"*\"}`, `NotPrincipal`)\n\
        or a foreign, untrusted account without a condition confining it to this account or\n\
        organisation, as the shared policy engine decides (`policy::external_grants` with the\n\
        scan's `Trust`, read by `rules::policy_checks::not_public`). What\n\
        `aws events put-permission --principal '*' --condition Type=StringEquals,Key=aws:PrincipalOrgID,Value=o-...`\n\
        writes is confined to that organisation: it passes when it is the configured\n\
        `organization_id` (or, with a note, when none is configured) and fails when it is another.\n\
        A grant to a foreign account (`put-permission --principal 999999999999`) fails unless that\n\
        account is in `trusted_accounts`. A bus without a policy passes; a policy that is not JSON\n\
        or could not be read is UNKNOWN.",
    why_it_matters: "`events:PutEvents` open to everyone lets any AWS account inject events\n\
        that your rules route to Lambda functions, queues and workflows as if they were your own.",
    example: "`aws events put-permission --event-bus-name default --action events:PutEvents --principal '*' --statement-id open`.",
    remediation: "Remove event bus policy statements that allow Principal \"*\" or foreign accounts (aws events remove-permission), or confine them with an aws:PrincipalOrgID condition naming your own organisation.\n\
        \n\
        `aws events remove-permission --statement-id <sid>`, then grant named\n\
        accounts, or `*` with an `aws:PrincipalOrgID` condition naming your own organisation.",
    references: "",
}

impl Rule for BusNotPublic {
    type Resource = EventBus;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, bus: &EventBus, ctx: &ScanContext) -> Outcome {
        match known!(bus.policy) {
            None => Outcome::pass("the event bus has no resource policy"),
            Some(doc) => not_public(doc, ctx, "event bus"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::policy::PolicyDocument;
    use crate::resources::messaging::denied;
    use crate::ScanConfig;

    fn with_statement(statement: &str) -> EventBus {
        let doc = PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)).unwrap();
        EventBus { policy: Ok(Some(doc)), ..EventBus::fixture("default") }
    }

    const PUT: &str =
        r#""Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:123456789012:event-bus/default""#;

    #[test]
    fn table() {
        let cases: Vec<(&str, EventBus, Status, &str)> = vec![
            ("own account", EventBus::fixture("default"), Status::Pass, "no event bus policy statement"),
            (
                "no policy",
                EventBus { policy: Ok(None), ..EventBus::fixture("default") },
                Status::Pass,
                "no resource policy",
            ),
            (
                "Principal *",
                with_statement(&format!(r#"{{"Sid":"open","Effect":"Allow","Principal":"*",{PUT}}}"#)),
                Status::Fail,
                "statement open allows events:PutEvents to everyone without a restricting condition",
            ),
            (
                "foreign account",
                with_statement(&format!(
                    r#"{{"Sid":"partner","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::999999999999:root"}},{PUT}}}"#
                )),
                Status::Fail,
                "account 999999999999",
            ),
            (
                "organisation, organization_id unset",
                with_statement(&format!(
                    r#"{{"Sid":"org","Effect":"Allow","Principal":"*",{PUT},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abc123"}}}}}}"#
                )),
                Status::Pass,
                "set organization_id",
            ),
            (
                "not JSON",
                EventBus {
                    policy: Err(CollectError::new(
                        CollectErrorKind::Malformed,
                        "events:ListEventBuses",
                        "policy of event bus default: expected value",
                    )),
                    ..EventBus::fixture("default")
                },
                Status::Unknown,
                "policy of event bus default",
            ),
            (
                "denied",
                EventBus { policy: Err(denied("events:DescribeEventBus")), ..EventBus::fixture("default") },
                Status::Unknown,
                "access denied on events:DescribeEventBus",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, bus, status, needle) in cases {
            let o = BusNotPublic.evaluate(&bus, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }

    #[test]
    fn a_trusted_account_and_the_own_organisation_pass() {
        let mut ctx = ScanContext::fixture();
        ctx.config = Arc::new(ScanConfig {
            trusted_accounts: vec!["999999999999".into()],
            organization_id: Some("o-abc123".into()),
            ..ScanConfig::default()
        });
        for statement in [
            format!(r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::999999999999:root"}},{PUT}}}"#),
            format!(
                r#"{{"Effect":"Allow","Principal":"*",{PUT},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abc123"}}}}}}"#
            ),
        ] {
            let o = BusNotPublic.evaluate(&with_statement(&statement), &ctx);
            assert_eq!(o.status, Status::Pass, "{statement}: {}", o.reason);
        }
    }
}
