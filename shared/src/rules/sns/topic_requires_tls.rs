//! The rule `sns.topic-requires-tls`; its documentation is on [`TopicRequiresTls`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::messaging::SnsTopic;
use crate::rules::policy_checks::denies_insecure_transport;
use crate::rules::Rule;

rule! {
    pub struct TopicRequiresTls;
    id: "sns.topic-requires-tls",
    title: "SNS topic policy denies publishing without TLS",
    severity: Low,
    resource_type: "AwsSnsTopic",
    trigger: Change,
    mappings: [],
    seeds: ["002"],
    what_it_checks: "The topic's access policy has a `Deny` statement that applies to\n\
        everyone (`Principal: \"*\"`; `NotPrincipal` does not count), covers `sns:Publish` on the\n\
        topic (`sns:Publish`, `sns:*`, `*`; `Resource` the topic's ARN or a pattern matching it),\n\
        and is conditioned on `aws:SecureTransport` = `false` (`Bool` or `BoolIfExists`) and on\n\
        nothing else, since another condition would narrow the deny to some requests. The same\n\
        test as `s3.bucket-requires-tls`, over the shared helpers in `rules::policy_checks`. A\n\
        topic without a policy fails; a policy that could not be read is UNKNOWN.",
    why_it_matters: "SNS accepts `Publish` over plain HTTP unless the topic policy refuses\n\
        it; message bodies and request signatures then cross the network in clear text.",
    example: "The default topic policy (owner-only allows, no deny).",
    remediation: "Add a topic policy statement that denies sns:Publish to Principal \"*\" on the topic when aws:SecureTransport is false.\n\
        \n\
        Add to the topic policy\n\
        `{\"Sid\":\"DenyInsecureTransport\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"sns:Publish\",\"Resource\":\"<topic arn>\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}`.",
    references: "No FSBP control (AWS SNS security best practices: enforce encryption of data\n\
        in transit).",
}

impl Rule for TopicRequiresTls {
    type Resource = SnsTopic;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, topic: &SnsTopic, _ctx: &ScanContext) -> Outcome {
        let Some(doc) = known!(topic.policy) else {
            return Outcome::fail("the topic has no access policy, so publishing over plain HTTP is not denied");
        };
        match doc.statements.iter().position(|s| denies_insecure_transport(s, "sns:Publish", &topic.arn)) {
            Some(i) => {
                let label =
                    doc.statements[i].sid.clone().filter(|s| !s.is_empty()).unwrap_or(format!("Statement[{i}]"));
                Outcome::pass(format!("policy statement {label} denies sns:Publish with aws:SecureTransport=false"))
            }
            None => {
                Outcome::fail("no policy statement denies sns:Publish to everyone when aws:SecureTransport is false")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::policy::PolicyDocument;
    use crate::resources::messaging::denied;

    fn with_statement(statement: &str) -> SnsTopic {
        let doc = PolicyDocument::parse(&format!(r#"{{"Statement":[{statement}]}}"#)).unwrap();
        SnsTopic { policy: Ok(Some(doc)), ..SnsTopic::fixture("t") }
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, SnsTopic, Status, &str)> = vec![
            ("fixture", SnsTopic::fixture("t"), Status::Pass, "DenyInsecureTransport"),
            (
                "sns:* on *",
                with_statement(
                    r#"{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"SNS:*","Resource":"*","Condition":{"BoolIfExists":{"AWS:SecureTransport":false}}}"#,
                ),
                Status::Pass,
                "Statement[0]",
            ),
            ("no policy", SnsTopic { policy: Ok(None), ..SnsTopic::fixture("t") }, Status::Fail, "no access policy"),
            (
                "another topic",
                with_statement(
                    r#"{"Effect":"Deny","Principal":"*","Action":"sns:Publish","Resource":"arn:aws:sns:us-east-1:123456789012:other","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
                ),
                Status::Fail,
                "no policy statement denies",
            ),
            (
                "denies secure requests",
                with_statement(
                    r#"{"Effect":"Deny","Principal":"*","Action":"sns:Publish","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#,
                ),
                Status::Fail,
                "no policy statement denies",
            ),
            (
                "NotPrincipal",
                with_statement(
                    r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sns:Publish","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
                ),
                Status::Fail,
                "no policy statement denies",
            ),
            (
                "narrowed by another condition",
                with_statement(
                    r#"{"Effect":"Deny","Principal":"*","Action":"sns:Publish","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"},"StringEquals":{"aws:SourceAccount":"111122223333"}}}"#,
                ),
                Status::Fail,
                "no policy statement denies",
            ),
            (
                "only Subscribe",
                with_statement(
                    r#"{"Effect":"Deny","Principal":"*","Action":"sns:Subscribe","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
                ),
                Status::Fail,
                "no policy statement denies",
            ),
            (
                "denied",
                SnsTopic { policy: Err(denied("sns:GetTopicAttributes")), ..SnsTopic::fixture("t") },
                Status::Unknown,
                "sns:GetTopicAttributes",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, topic, status, needle) in cases {
            let o = TopicRequiresTls.evaluate(&topic, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
