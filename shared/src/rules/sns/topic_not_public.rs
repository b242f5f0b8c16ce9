//! `sns.topic-not-public`.
//!
//! **What it checks.** The topic's access policy has no `Allow` statement that reaches
//! everyone (`Principal: "*"`, `{"AWS": "*"}`, an `AWS` value with a wildcard, `NotPrincipal`)
//! or a foreign account that is not in `trusted_accounts`, unless a condition confines it to
//! this account or organisation. The shared policy engine decides (`policy::external_grants`
//! with the scan's `Trust`, read by `rules::policy_checks::not_public`): a positive match on
//! `aws:SourceAccount`/`aws:SourceArn`/`aws:PrincipalOrgID`/... naming the own account or
//! organisation confines; `...IfExists`, negated operators, `*` values and conditions naming
//! someone else do not. Service principals (`s3.amazonaws.com` publishing events) are not
//! reported here. *Choice*: a statement confined by an organisation condition while
//! `organization_id` is not configured passes with a note. A topic without a policy passes; a
//! policy that is not JSON or could not be read is UNKNOWN.
//!
//! **Why it matters.** `sns:Subscribe` open to everyone lets any AWS account receive every
//! message; `sns:Publish` open to everyone lets anyone inject notifications your systems act on.
//!
//! **Example.** The policy `{"Effect":"Allow","Principal":"*","Action":["sns:Publish","sns:Subscribe"],"Resource":"<topic arn>"}`.
//!
//! **Remediation.** Name the principals that need the topic, or add an
//! `aws:SourceAccount`/`aws:PrincipalOrgID` condition naming your own account or organisation
//! (`aws sns set-topic-attributes --attribute-name Policy`).
//!
//! **References.** FSBP SNS.4; seed 004.

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta, Severity, Trigger};
use crate::resources::messaging::SnsTopic;
use crate::rules::policy_checks::not_public;
use crate::rules::Rule;

pub struct TopicNotPublic;

static META: RuleMeta = RuleMeta {
    id: "sns.topic-not-public",
    title: "SNS topic policy grants no access to everyone",
    severity: Severity::Critical,
    resource_type: "AwsSnsTopic",
    trigger: Trigger::Change,
    remediation: "Remove topic policy statements that allow Principal \"*\" or foreign accounts, or confine them with an aws:SourceAccount/aws:PrincipalOrgID condition naming your own account or organisation.",
    mappings: &["SNS.4"],
    seeds: &["004"],
};

impl Rule for TopicNotPublic {
    type Resource = SnsTopic;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, topic: &SnsTopic, ctx: &ScanContext) -> Outcome {
        match known!(topic.policy) {
            None => Outcome::pass("the topic has no access policy"),
            Some(doc) => not_public(doc, ctx, "topic"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::error::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::policy::PolicyDocument;
    use crate::resources::messaging::denied;

    fn with_statement(statement: &str) -> SnsTopic {
        let doc = PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)).unwrap();
        SnsTopic { policy: Ok(Some(doc)), ..SnsTopic::fixture("t") }
    }

    const PUB: &str = r#""Action":["sns:Publish","sns:Subscribe"],"Resource":"*""#;

    #[test]
    fn table() {
        let cases: Vec<(&str, SnsTopic, Status, &str)> = vec![
            ("own account", SnsTopic::fixture("t"), Status::Pass, "no topic policy statement"),
            ("no policy", SnsTopic { policy: Ok(None), ..SnsTopic::fixture("t") }, Status::Pass, "no access policy"),
            (
                "Principal *",
                with_statement(&format!(r#"{{"Sid":"Open","Effect":"Allow","Principal":"*",{PUB}}}"#)),
                Status::Fail,
                "statement Open allows sns:Publish, sns:Subscribe to everyone without a restricting condition",
            ),
            (
                "foreign account",
                with_statement(&format!(r#"{{"Effect":"Allow","Principal":{{"AWS":"999999999999"}},{PUB}}}"#)),
                Status::Fail,
                "account 999999999999",
            ),
            (
                "everyone, own source account",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":"*",{PUB},"Condition":{{"StringEquals":{{"aws:SourceAccount":"123456789012"}}}}}}"#
                )),
                Status::Pass,
                "no topic policy statement",
            ),
            (
                "everyone, IfExists",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":"*",{PUB},"Condition":{{"StringEqualsIfExists":{{"aws:SourceAccount":"123456789012"}}}}}}"#
                )),
                Status::Fail,
                "without a restricting condition",
            ),
            (
                "not JSON",
                SnsTopic {
                    policy: Err(CollectError::new(
                        CollectErrorKind::Malformed,
                        "sns:GetTopicAttributes",
                        "policy of topic t: expected value",
                    )),
                    ..SnsTopic::fixture("t")
                },
                Status::Unknown,
                "policy of topic t",
            ),
            (
                "access denied",
                SnsTopic { policy: Err(denied("sns:GetTopicAttributes")), ..SnsTopic::fixture("t") },
                Status::Unknown,
                "access denied on sns:GetTopicAttributes",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, topic, status, needle) in cases {
            let o = TopicNotPublic.evaluate(&topic, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
