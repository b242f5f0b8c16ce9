//! The rule `sns.no-http-subscriptions`; its documentation is on [`NoHttpSubscriptions`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::messaging::SnsTopic;
use crate::rules::Rule;

rule! {
    pub struct NoHttpSubscriptions;
    id: "sns.no-http-subscriptions",
    title: "SNS topic has no plain-HTTP subscriptions",
    severity: Medium,
    resource_type: "AwsSnsTopic",
    trigger: Change,
    mappings: [Prowler("sns_subscription_not_using_http_endpoints")],
    seeds: ["002"],
    what_it_checks: "No subscription of the topic uses the plain `http` protocol (`https`,\n\
        `sqs`, `lambda`, `email`, ... are fine). Pending subscriptions count too: confirming one\n\
        would start plain-HTTP delivery. The finding names each offending subscription by ARN (or\n\
        \"pending confirmation\") and its endpoint's origin only (scheme, host, port): paths and\n\
        queries of webhook URLs often carry tokens and are never collected. A topic without\n\
        subscriptions is NOT_APPLICABLE; subscriptions that could not be listed are UNKNOWN.",
    why_it_matters: "An `http` subscription delivers every message, and SNS's signature on\n\
        it, in clear text to anyone on the path; the subscriber cannot tell a forged message from a\n\
        real one without TLS either.",
    example: "`aws sns subscribe --topic-arn <arn> --protocol http --notification-endpoint http://hooks.example.com/in`.",
    remediation: "Replace each http subscription with an https one (aws sns subscribe --protocol https), then aws sns unsubscribe the http subscription.\n\
        \n\
        Subscribe the `https` endpoint instead and\n\
        `aws sns unsubscribe --subscription-arn <arn>` the `http` one.",
    references: "",
}

impl Rule for NoHttpSubscriptions {
    type Resource = SnsTopic;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, topic: &SnsTopic, _ctx: &ScanContext) -> Outcome {
        let subscriptions = known!(topic.subscriptions);
        if subscriptions.is_empty() {
            return Outcome::not_applicable("the topic has no subscriptions");
        }
        let http: Vec<String> = subscriptions
            .iter()
            .filter(|s| s.protocol == "http")
            .map(|s| {
                let id = if s.arn.starts_with("arn:") { s.arn.as_str() } else { "pending confirmation" };
                match &s.endpoint_origin {
                    Some(origin) => format!("{id} to {origin}"),
                    None => id.to_string(),
                }
            })
            .collect();
        if http.is_empty() {
            return Outcome::pass(format!("none of the {} subscriptions uses plain http", subscriptions.len()));
        }
        Outcome::fail(format!("plain-http subscription {}", http.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::messaging::{denied, SnsSubscription};

    fn sub(arn: &str, protocol: &str, origin: Option<&str>) -> SnsSubscription {
        SnsSubscription { arn: arn.into(), protocol: protocol.into(), endpoint_origin: origin.map(str::to_string) }
    }

    #[test]
    fn table() {
        let with = |subs: Vec<SnsSubscription>| SnsTopic { subscriptions: Ok(subs), ..SnsTopic::fixture("t") };
        let a = "arn:aws:sns:us-east-1:123456789012:t:1";
        let cases = [
            ("https only", SnsTopic::fixture("t"), Status::Pass, "none of the 1 subscriptions"),
            ("sqs and lambda", with(vec![sub(a, "sqs", None), sub(a, "lambda", None)]), Status::Pass, "none of the 2"),
            (
                "http",
                with(vec![sub(a, "https", Some("https://a.example")), sub(a, "http", Some("http://b.example:8080"))]),
                Status::Fail,
                "plain-http subscription arn:aws:sns:us-east-1:123456789012:t:1 to http://b.example:8080",
            ),
            (
                "pending http",
                with(vec![sub("PendingConfirmation", "http", Some("http://c.example"))]),
                Status::Fail,
                "pending confirmation to http://c.example",
            ),
            ("no subscriptions", with(vec![]), Status::NotApplicable, "no subscriptions"),
            (
                "listing denied",
                SnsTopic { subscriptions: Err(denied("sns:ListSubscriptions")), ..SnsTopic::fixture("t") },
                Status::Unknown,
                "access denied on sns:ListSubscriptions",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, topic, status, needle) in cases {
            let o = NoHttpSubscriptions.evaluate(&topic, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
