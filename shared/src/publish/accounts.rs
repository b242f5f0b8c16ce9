//! Hub-and-spoke publishing: Security Hub accepts a finding (with the account's default
//! product ARN) only from the account the finding is about, so a hub's publisher imports each
//! member account's findings with that member's assumed-role credentials
//! (`collect::accounts::MemberAccounts`). [`AccountRouter`] is a [`FindingsStore`] that sends
//! each finding, id and archive query to the store of its account; anything for an account it
//! does not know goes to the hub's own store. With Security Hub's cross-account aggregation
//! (a delegated administrator), the members' findings then appear in the hub as well.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::publish::securityhub::{FindingsStore, ImportReport, PreviousState, StoreError};
use crate::render::asff::AsffFinding;

/// A [`FindingsStore`] per account.
pub struct AccountRouter<S> {
    own: S,
    members: HashMap<String, S>,
}

impl<S> AccountRouter<S> {
    pub fn new(own: S, members: impl IntoIterator<Item = (String, S)>) -> Self {
        Self { own, members: members.into_iter().collect() }
    }

    fn store(&self, account: &str) -> &S {
        self.members.get(account).unwrap_or(&self.own)
    }

    /// The account in a ztscan finding id (`ztscan/<account>/<region>/<rule>/<hash>`).
    fn account_of_id(id: &str) -> &str {
        id.split('/').nth(1).unwrap_or_default()
    }
}

impl<S: FindingsStore + Sync> FindingsStore for AccountRouter<S> {
    async fn previous(&self, ids: &[String]) -> Result<HashMap<String, PreviousState>, StoreError> {
        let mut by_account: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for id in ids {
            by_account.entry(Self::account_of_id(id)).or_default().push(id.clone());
        }
        let mut out = HashMap::new();
        for (account, ids) in by_account {
            out.extend(self.store(account).previous(&ids).await?);
        }
        Ok(out)
    }

    async fn import(&self, findings: Vec<AsffFinding>) -> Result<ImportReport, StoreError> {
        let mut by_account: BTreeMap<String, Vec<AsffFinding>> = BTreeMap::new();
        for f in findings {
            by_account.entry(f.aws_account_id.clone()).or_default().push(f);
        }
        let mut report = ImportReport::default();
        for (account, findings) in by_account {
            report.failed_ids.extend(self.store(&account).import(findings).await?.failed_ids);
        }
        Ok(report)
    }

    async fn active_for_rules(
        &self,
        account: &str,
        rule_ids: &[String],
        before: DateTime<Utc>,
    ) -> Result<Vec<AsffFinding>, StoreError> {
        self.store(account).active_for_rules(account, rule_ids, before).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::model::{Finding, Outcome, ResourceRef, RuleMeta, Severity, Trigger};
    use crate::render::asff::{default_product_arn, to_asff};

    /// A store that records what reached it.
    #[derive(Default)]
    struct Recorder {
        previous: Mutex<Vec<String>>,
        imported: Mutex<Vec<String>>,
        archived: Mutex<Vec<String>>,
    }

    impl FindingsStore for Recorder {
        async fn previous(&self, ids: &[String]) -> Result<HashMap<String, PreviousState>, StoreError> {
            self.previous.lock().unwrap().extend(ids.iter().cloned());
            Ok(HashMap::new())
        }
        async fn import(&self, findings: Vec<AsffFinding>) -> Result<ImportReport, StoreError> {
            self.imported.lock().unwrap().extend(findings.iter().map(|f| f.aws_account_id.clone()));
            Ok(ImportReport::default())
        }
        async fn active_for_rules(
            &self,
            account: &str,
            _: &[String],
            _: DateTime<Utc>,
        ) -> Result<Vec<AsffFinding>, StoreError> {
            self.archived.lock().unwrap().push(account.to_string());
            Ok(vec![])
        }
    }

    static META: RuleMeta = RuleMeta {
        id: "s3.x",
        title: "x",
        severity: Severity::Low,
        resource_type: "AwsS3Bucket",
        trigger: Trigger::Change,
        remediation: "none",
        mappings: &["none"],
        seeds: &["000"],
    };

    fn finding(account: &str) -> Finding {
        let r = ResourceRef {
            resource_type: "AwsS3Bucket".into(),
            id: format!("b-{account}"),
            arn: None,
            account: account.into(),
            region: "us-east-1".into(),
            partition: "aws".into(),
        };
        Finding::new(&META, r, Outcome::fail("bad"), Utc::now())
    }

    #[tokio::test]
    async fn each_account_s_findings_reach_that_account_s_store() {
        let router = AccountRouter::new(Recorder::default(), [("222222222222".to_string(), Recorder::default())]);
        let fs = [finding("123456789012"), finding("222222222222"), finding("999999999999")];
        let ids: Vec<String> = fs.iter().map(Finding::id).collect();
        router.previous(&ids).await.unwrap();
        let asff: Vec<AsffFinding> = fs
            .iter()
            .map(|f| to_asff(f, &default_product_arn("aws", "us-east-1", &f.resource.account), None))
            .collect();
        router.import(asff).await.unwrap();
        router.active_for_rules("222222222222", &["s3.x".into()], Utc::now()).await.unwrap();

        let member = &router.members["222222222222"];
        assert_eq!(*member.imported.lock().unwrap(), vec!["222222222222"]);
        assert_eq!(member.previous.lock().unwrap().len(), 1);
        assert!(member.previous.lock().unwrap()[0].starts_with("ztscan/222222222222/"));
        assert_eq!(*member.archived.lock().unwrap(), vec!["222222222222"]);
        // The hub's own account, and an account it does not know, stay with the hub's store.
        assert_eq!(*router.own.imported.lock().unwrap(), vec!["123456789012", "999999999999"]);
        assert!(router.own.archived.lock().unwrap().is_empty());
    }
}
