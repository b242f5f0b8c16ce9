//! The rule `sns.topic-not-public`; its documentation is on [`TopicNotPublic`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::messaging::SnsTopic;
use crate::rules::policy_checks::not_public;
use crate::rules::Rule;

rule! {
    pub struct TopicNotPublic;
    id: "sns.topic-not-public",
    title: "SNS topic policy grants no access to everyone",
    severity: Critical,
    resource_type: "AwsSnsTopic",
    trigger: Change,
    mappings: [Fsbp("SNS.4")],
    seeds: ["004"],
    what_it_checks: "The topic's access policy has no `Allow` statement that reaches\n\
        everyone (`Principal: \"*\"`, `{\"AWS\": \"*\"}`, an `AWS` value with a wildcard, `NotPrincipal`)\n\
        or a foreign account that is not in `trusted_accounts`, unless a condition confines it to\n\
        this account or organisation. The shared policy engine decides (`policy::external_grants`\n\
        with the scan's `Trust`, read by `rules::policy_checks::not_public`): a positive match on\n\
        `aws:SourceAccount`/`aws:SourceArn`/`aws:PrincipalOrgID`/... naming the own account or\n\
        organisation confines; `...IfExists`, negated operators, `*` values and conditions naming\n\
        someone else do not. Service principals (`s3.amazonaws.com` publishing events) are not\n\
        reported here. *Choice*: a statement confined by an organisation condition while\n\
        `organization_id` is not configured passes with a note. A topic without a policy passes; a\n\
        policy that is not JSON or could not be read is UNKNOWN.",
    why_it_matters: "`sns:Subscribe` open to everyone lets any AWS account receive every\n\
        message; `sns:Publish` open to everyone lets anyone inject notifications your systems act on.",
    example: "The policy `{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":[\"sns:Publish\",\"sns:Subscribe\"],\"Resource\":\"<topic arn>\"}`.",
    remediation: "Remove topic policy statements that allow Principal \"*\" or foreign accounts, or confine them with an aws:SourceAccount/aws:PrincipalOrgID condition naming your own account or organisation.\n\
        \n\
        Name the principals that need the topic, or add an\n\
        `aws:SourceAccount`/`aws:PrincipalOrgID` condition naming your own account or organisation\n\
        (`aws sns set-topic-attributes --attribute-name Policy`).",
    references: "",
}

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
    use crate::collected::{CollectError, CollectErrorKind};
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
