//! What a statement grants, in terms of the IAM action table: the actions its `Action` or
//! `NotAction` covers, and whether its resource element is unrestricted.

use super::actions::{self, ActionInfo};
use super::{Effect, PolicyDocument, Statement};

impl PolicyDocument {
    /// True when an `Allow` statement's `Action` lists `*` (every action) and its `Resource`
    /// lists `*`: full administrator access. Conditions are ignored (an administrator under a
    /// condition is still an administrator) and so are Deny statements elsewhere; `NotAction`
    /// grants are not counted (they are `iam.no-notaction-allow`'s concern).
    pub fn grants_full_admin(&self) -> bool {
        self.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && s.action.as_ref().is_some_and(|a| a.iter().any(|a| a.trim() == "*"))
                && s.resource.as_ref().is_some_and(|r| r.iter().any(|r| r.trim() == "*"))
        })
    }
}

impl Statement {
    /// The actions the statement's action element covers (for an `Allow`, the actions it
    /// grants; for a `Deny`, those it denies), in table order, without duplicates.
    ///
    /// For `Action`: the union of every pattern's expansion ([`actions::expand`]). For
    /// `NotAction`: every action in the table that no pattern matches. Patterns naming
    /// actions missing from the table contribute nothing.
    pub fn allowed_actions(&self) -> Vec<&'static ActionInfo> {
        let idx = actions::index();
        match (&self.action, &self.not_action) {
            (Some(patterns), _) => {
                let mut hits = Vec::new();
                for p in patterns {
                    idx.for_each_match(p, |i| hits.push(i));
                }
                if patterns.len() > 1 {
                    hits.sort_unstable();
                    hits.dedup();
                }
                hits.into_iter().map(|i| idx.get(i)).collect()
            }
            (None, Some(patterns)) => {
                let mut excluded = vec![false; idx.len()];
                for p in patterns {
                    idx.for_each_match(p, |i| excluded[i] = true);
                }
                excluded.iter().enumerate().filter(|(_, &x)| !x).map(|(i, _)| idx.get(i)).collect()
            }
            (None, None) => Vec::new(),
        }
    }

    /// True when the statement applies to every resource: `Resource` contains a value made
    /// only of `*` (e.g. `"*"`), or `NotResource` is used (it covers everything not listed).
    /// A statement with neither (possible only in resource policies, where it means the
    /// resource the policy is attached to) is not unrestricted.
    pub fn resource_is_unrestricted(&self) -> bool {
        if self.not_resource.is_some() {
            return true;
        }
        self.resource.as_ref().is_some_and(|list| list.iter().any(|r| !r.is_empty() && r.bytes().all(|b| b == b'*')))
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::actions::{self, AccessLevel};
    use crate::policy::{PolicyDocument, Statement};

    #[test]
    fn admin_needs_action_star_on_resource_star() {
        let admin =
            |body: &str| PolicyDocument::parse(&format!(r#"{{"Statement":[{body}]}}"#)).unwrap().grants_full_admin();
        assert!(admin(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#));
        assert!(admin(
            r#"{"Effect":"Allow","Action":["s3:GetObject","*"],"Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}"#
        ));
        assert!(!admin(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#));
        assert!(!admin(r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/*"}"#));
        assert!(!admin(r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#));
        assert!(!admin(r#"{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}"#));
        assert!(!admin(r#"{"Effect":"Allow","Action":"iam:*","Resource":"*"}"#));
    }

    fn statement(json: &str) -> Statement {
        let doc = PolicyDocument::parse(&format!(r#"{{"Statement":[{json}]}}"#)).unwrap();
        doc.statements.into_iter().next().unwrap()
    }

    fn names(s: &Statement) -> Vec<String> {
        s.allowed_actions().iter().map(|a| a.full_name()).collect()
    }

    #[test]
    fn action_is_the_union_of_expansions() {
        let s = statement(
            r#"{"Effect":"Allow","Action":["iam:PassRole","IAM:passrole","iam:PassRol?","sts:GetCallerIdentity","nosuch:Thing"],"Resource":"*"}"#,
        );
        assert_eq!(names(&s), vec!["iam:PassRole", "sts:GetCallerIdentity"]);

        let s = statement(r#"{"Effect":"Allow","Action":["s3:Get*","s3:GetObject"],"Resource":"*"}"#);
        assert_eq!(s.allowed_actions().len(), actions::expand("s3:Get*").len());

        let s = statement(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#);
        assert_eq!(s.allowed_actions().len(), actions::all().len());

        let s = statement(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#);
        let got = s.allowed_actions();
        assert!(got.iter().all(|a| a.service == "s3"));
        assert!(got.iter().any(|a| a.access_level == AccessLevel::PermissionsManagement));
        // s3:PutBucketPolicy
    }

    #[test]
    fn not_action_is_the_complement() {
        let all = actions::all().len();
        let s = statement(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#);
        let got = s.allowed_actions();
        let iam = actions::expand("iam:*").len();
        assert!(iam > 100);
        assert_eq!(got.len(), all - iam);
        assert!(got.iter().all(|a| a.service != "iam"));
        assert!(got.iter().any(|a| a.full_name() == "s3:GetObject"));

        let s = statement(r#"{"Effect":"Allow","NotAction":["iam:*","S3:*","sts:GetCallerIdentity"],"Resource":"*"}"#);
        let got = s.allowed_actions();
        assert!(got.iter().all(|a| a.service != "iam" && a.service != "s3"));
        assert!(!got.iter().any(|a| a.full_name() == "sts:GetCallerIdentity"));
        assert!(got.iter().any(|a| a.full_name() == "sts:AssumeRole"));

        let s = statement(r#"{"Effect":"Allow","NotAction":"*","Resource":"*"}"#);
        assert!(s.allowed_actions().is_empty());
        let s = statement(r#"{"Effect":"Allow","NotAction":"nosuch:Thing","Resource":"*"}"#);
        assert_eq!(s.allowed_actions().len(), all);
    }

    #[test]
    fn resource_is_unrestricted_table() {
        let cases = [
            (r#""Resource":"*""#, true),
            (r#""Resource":["arn:aws:s3:::b","*"]"#, true),
            (r#""Resource":"**""#, true),
            (r#""Resource":"arn:aws:s3:::*""#, false),
            (r#""Resource":"arn:*""#, false),
            (r#""Resource":"""#, false),
            (r#""Resource":[]"#, false),
            (r#""NotResource":"arn:aws:s3:::b""#, true),
            (r#""Principal":"*""#, false),
        ];
        for (element, want) in cases {
            let s = statement(&format!(r#"{{"Effect":"Allow","Action":"s3:GetObject",{element}}}"#));
            assert_eq!(s.resource_is_unrestricted(), want, "{element}");
        }
    }
}
