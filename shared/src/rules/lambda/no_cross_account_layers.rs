//! The rule `lambda.no-cross-account-layers`; its documentation is on [`NoCrossAccountLayers`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::lambda::LambdaFunction;
use crate::rules::Rule;

rule! {
    pub struct NoCrossAccountLayers;
    id: "lambda.no-cross-account-layers",
    title: "Lambda function uses layers only from its own or trusted accounts",
    severity: Medium,
    resource_type: "AwsLambdaFunction",
    trigger: Change,
    mappings: [Prowler("awslambda_function_using_cross_account_layers")],
    seeds: ["004"],
    what_it_checks: "Every layer the function uses is published by the function's own account\n\
        (the 5th field of the function ARN, or the scanned account), an account in\n\
        `trusted_accounts`, or an account in `trusted_layer_accounts`. The account is the 5th field\n\
        of the layer version ARN (`arn:aws:lambda:<region>:<account>:layer:<name>:<version>`). Each\n\
        foreign layer ARN is named in the finding. There is deliberately no built-in list of\n\
        \"well-known\" publishers: layers published by AWS (Powertools, Lambda Insights, the\n\
        Parameters and Secrets extension) and by vendors live in their own accounts too, and which\n\
        of them to trust is the operator's decision, recorded in `trusted_layer_accounts`. A layer\n\
        ARN whose account cannot be read is UNKNOWN (after any foreign layer, which fails). A\n\
        function without layers (including every container image) is NOT_APPLICABLE.",
    why_it_matters: "A layer's code runs inside the function with its execution role and sees\n\
        its events and environment. A layer from another account is code you do not control: its\n\
        publisher can change what a new version contains, and a compromise there becomes yours.",
    example: "`arn:aws:lambda:us-east-1:999999999999:layer:helpers:3` attached to a function\n\
        in 123456789012, with 999999999999 not configured as trusted.",
    remediation: "Republish reviewed copies of foreign layers from your own account, or list the publisher's account in trusted_layer_accounts if you trust it.\n\
        \n\
        Copy the layer's content into a layer published from your own account (after\n\
        review), or add the publisher's account to `trusted_layer_accounts` if you trust it, and pin\n\
        layer versions.",
    references: "",
}

impl Rule for NoCrossAccountLayers {
    type Resource = LambdaFunction;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, function: &LambdaFunction, ctx: &ScanContext) -> Outcome {
        if function.layers.is_empty() {
            return Outcome::not_applicable("the function uses no layers");
        }
        let own = function.account().unwrap_or(ctx.account.as_str());
        let trusted = |account: &str| {
            account == own
                || account == ctx.account
                || ctx.config.trusted_accounts.iter().any(|a| a == account)
                || ctx.config.trusted_layer_accounts.iter().any(|a| a == account)
        };
        let mut foreign = Vec::new();
        let mut unreadable = Vec::new();
        for layer in &function.layers {
            match layer_account(layer) {
                Some(account) if trusted(account) => {}
                Some(_) => foreign.push(layer.as_str()),
                None => unreadable.push(layer.as_str()),
            }
        }
        if !foreign.is_empty() {
            return Outcome::fail(format!("layer(s) from an untrusted account: {}", foreign.join(", ")));
        }
        if !unreadable.is_empty() {
            return Outcome::unknown(format!(
                "could not evaluate: no account in layer ARN(s) {}",
                unreadable.join(", ")
            ));
        }
        Outcome::pass(format!(
            "all {} layer(s) come from the function's own or trusted accounts",
            function.layers.len()
        ))
    }
}

/// The publishing account of a layer version ARN, when it is a 12-digit account id.
fn layer_account(arn: &str) -> Option<&str> {
    let fields: Vec<&str> = arn.split(':').collect();
    match fields.as_slice() {
        ["arn", _, "lambda", _, account, "layer", ..]
            if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some(account)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::Status;

    fn layer(account: &str) -> String {
        format!("arn:aws:lambda:us-east-1:{account}:layer:helpers:3")
    }

    fn eval(layers: Vec<String>, ctx: &ScanContext) -> Outcome {
        NoCrossAccountLayers.evaluate(&LambdaFunction { layers, ..LambdaFunction::fixture("f") }, ctx)
    }

    #[test]
    fn table() {
        let cases: Vec<(Vec<String>, Status, String)> = vec![
            (vec![], Status::NotApplicable, "no layers".into()),
            (vec![layer("123456789012")], Status::Pass, "all 1 layer(s)".into()),
            (vec![layer("123456789012"), layer("999999999999")], Status::Fail, layer("999999999999")),
            (vec![layer("123456789012"), "not-an-arn".into()], Status::Unknown, "not-an-arn".into()),
            (
                vec!["arn:aws:lambda:us-east-1:*:layer:x:1".into(), layer("999999999999")],
                Status::Fail,
                layer("999999999999"),
            ),
        ];
        for (layers, want, reason_has) in cases {
            let o = eval(layers.clone(), &ScanContext::fixture());
            assert_eq!(o.status, want, "{layers:?}: {}", o.reason);
            assert!(o.reason.contains(&reason_has), "{layers:?}: {}", o.reason);
        }
    }

    #[test]
    fn passes_when_the_account_is_trusted_either_way() {
        let layers = vec![layer("111122223333")];
        assert_eq!(eval(layers.clone(), &ScanContext::fixture()).status, Status::Fail);
        let mut ctx = ScanContext::fixture();
        Arc::make_mut(&mut ctx.config).trusted_layer_accounts.push("111122223333".into());
        assert_eq!(eval(layers.clone(), &ctx).status, Status::Pass);
        let mut ctx = ScanContext::fixture();
        Arc::make_mut(&mut ctx.config).trusted_accounts.push("111122223333".into());
        assert_eq!(eval(layers, &ctx).status, Status::Pass);
    }

    #[test]
    fn layer_account_reads_the_fifth_field() {
        assert_eq!(
            layer_account("arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7"),
            Some("017000801446")
        );
        assert_eq!(layer_account("arn:aws-cn:lambda:cn-north-1:123456789012:layer:x:1"), Some("123456789012"));
        assert_eq!(layer_account("arn:aws:lambda:us-east-1:123456789012:function:x"), None);
        assert_eq!(layer_account("arn:aws:lambda:us-east-1:12345:layer:x:1"), None);
        assert_eq!(layer_account(""), None);
    }
}
