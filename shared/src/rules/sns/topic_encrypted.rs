//! The rule `sns.topic-encrypted`; its documentation is on [`TopicEncrypted`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::messaging::SnsTopic;
use crate::rules::Rule;

rule! {
    pub struct TopicEncrypted;
    id: "sns.topic-encrypted",
    title: "SNS topic is encrypted at rest with KMS",
    severity: Medium,
    resource_type: "AwsSnsTopic",
    trigger: Change,
    mappings: [Fsbp("SNS.1")],
    seeds: ["002", "004"],
    what_it_checks: "The topic has server-side encryption: `GetTopicAttributes` returns a\n\
        `KmsMasterKeyId` (the AWS-managed `alias/aws/sns` or a customer-managed key both pass; the\n\
        reason names the key). A topic without the attribute fails. Attributes that could not be\n\
        read are UNKNOWN with the reason.",
    why_it_matters: "Messages wait in SNS until every subscriber has them; without SSE they\n\
        are stored unencrypted under keys no policy of yours controls, and notifications often carry\n\
        personal or operational data.",
    example: "`aws sns create-topic --name alerts` (no `KmsMasterKeyId` attribute).",
    remediation: "Set the topic's KmsMasterKeyId attribute (aws sns set-topic-attributes --attribute-name KmsMasterKeyId --attribute-value alias/aws/sns, or a customer-managed key).\n\
        \n\
        `aws sns set-topic-attributes --topic-arn <arn> --attribute-name\n\
        KmsMasterKeyId --attribute-value alias/aws/sns` (or a customer-managed key whose policy lets\n\
        the publishing services use it).",
    references: "",
}

impl Rule for TopicEncrypted {
    type Resource = SnsTopic;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, topic: &SnsTopic, _ctx: &ScanContext) -> Outcome {
        match known!(topic.kms_master_key_id) {
            Some(key) => Outcome::pass(format!("encrypted at rest with the KMS key {key}")),
            None => {
                Outcome::fail("the topic has no KmsMasterKeyId: messages are stored without server-side encryption")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::messaging::denied;

    #[test]
    fn table() {
        let with =
            |k: Option<&str>| SnsTopic { kms_master_key_id: Ok(k.map(str::to_string)), ..SnsTopic::fixture("t") };
        let cases = [
            ("customer key", with(Some("arn:aws:kms:us-east-1:123456789012:key/1234")), Status::Pass, "key/1234"),
            ("AWS-managed key", with(Some("alias/aws/sns")), Status::Pass, "alias/aws/sns"),
            ("no key", with(None), Status::Fail, "no KmsMasterKeyId"),
            (
                "attributes denied",
                SnsTopic { kms_master_key_id: Err(denied("sns:GetTopicAttributes")), ..SnsTopic::fixture("t") },
                Status::Unknown,
                "access denied on sns:GetTopicAttributes",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, topic, status, needle) in cases {
            let o = TopicEncrypted.evaluate(&topic, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
