//! The regression corpus of `iam.no-privilege-escalation`: every AWS-managed policy the pinned
//! moto ships (`.venv-moto`, installed by `scripts/setup-tools.sh` from
//! `scripts/requirements-moto.txt`; moto is Apache-2.0, the policy documents are AWS's), each
//! attached alone to its own role and judged by the rule as a pure function (no server).
//!
//! The expected verdict of every policy is recorded in `shared/data/aws-managed-privesc.tsv`
//! (`name<TAB>PASS` or `name<TAB>FAIL<TAB>SEVERITY<TAB>method ids`). A change to the engine
//! fails this test with a diff of that file; after reviewing it,
//! `ZTSCAN_UPDATE_CORPUS=1 cargo test -p ztscan-tests --test privesc_corpus` rewrites the file
//! (run it twice when the change touches `iam:PolicyARN`: the rule reads the PASS entries to
//! judge which AWS-managed policies are harmless to attach). `ZTSCAN_MOTO_POLICIES=<path>`
//! reads another copy of moto's `aws_managed_policies.py`; `ZTSCAN_CORPUS_REASONS=1` (with
//! `--nocapture`) prints every FAIL reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ztscan::collected::{CollectError, CollectErrorKind};
use ztscan::context::ScanContext;
use ztscan::model::{Severity, Status};
use ztscan::policy::PolicyDocument;
use ztscan::resources::iam::{IamIdentity, IamPolicy, OwnerKind, PolicyKind};
use ztscan::rules::iam::privesc_eval::assess;
use ztscan::rules::iam::NoPrivilegeEscalation;
use ztscan::rules::Rule;

const EXPECTED: &str = "shared/data/aws-managed-privesc.tsv";
/// The reason length the issue asks for ("at most about 300 characters").
const MAX_REASON: usize = 300;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// moto's `aws_managed_policies.py` in the pinned venv.
fn moto_policies_file() -> PathBuf {
    if let Some(p) = std::env::var_os("ZTSCAN_MOTO_POLICIES") {
        return PathBuf::from(p);
    }
    let lib = repo().join(".venv-moto/lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|dirs| {
        dirs.flatten().map(|d| d.path().join("site-packages/moto/iam/aws_managed_policies.py")).find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("moto's aws_managed_policies.py not found under {}: run scripts/setup-tools.sh", lib.display())
    })
}

/// Policy name -> (path, document JSON), from moto's module (one JSON object in a string).
fn corpus() -> BTreeMap<String, (String, String)> {
    let file = moto_policies_file();
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let start = text.find("\"\"\"").expect("opening triple quote") + 3;
    let end = start + text[start..].find("\"\"\"").expect("closing triple quote");
    let all: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text[start..end]).expect("moto's policy data is JSON");
    all.into_iter()
        .map(|(name, v)| (name, (v["Path"].as_str().unwrap_or("/").to_string(), v["Document"].to_string())))
        .collect()
}

fn role_with(name: &str, path: &str, json: &str) -> IamIdentity {
    let document = PolicyDocument::parse(json)
        .map_err(|e| CollectError::new(CollectErrorKind::Malformed, "iam:GetPolicyVersion", e.to_string()));
    IamIdentity {
        kind: OwnerKind::Role,
        arn: "arn:aws:iam::123456789012:role/corpus".into(),
        name: "corpus".into(),
        policies: vec![IamPolicy {
            kind: PolicyKind::Managed { arn: format!("arn:aws:iam::aws:policy{path}{name}"), aws_managed: true },
            name: name.to_string(),
            document,
            attachment_count: Some(1),
        }],
        permissions_boundary: None,
    }
}

struct Judged {
    /// The verdict line without the name: `PASS`, `FAIL\tHIGH\tid,id`, ...
    verdict: String,
    severity: Option<Severity>,
    status: Status,
    reason: String,
}

fn judge_all() -> BTreeMap<String, Judged> {
    let ctx = ScanContext::fixture();
    corpus()
        .into_iter()
        .map(|(name, (path, json))| {
            let role = role_with(&name, &path, &json);
            let o = NoPrivilegeEscalation.evaluate(&role, &ctx);
            let severity = (o.status == Status::Fail).then(|| o.severity.unwrap_or(Severity::High));
            let verdict = match (o.status, severity) {
                (Status::Fail, Some(Severity::Critical)) => "FAIL\tCRITICAL\tfull-administrator".to_string(),
                (Status::Fail, Some(s)) => {
                    let a = assess(&role).expect("no boundary");
                    let ids: Vec<&str> = a.methods.iter().map(|g| g.method.id).collect();
                    format!("FAIL\t{s}\t{}", ids.join(","))
                }
                (status, _) => status.to_string(),
            };
            (name, Judged { verdict, severity, status: o.status, reason: o.reason })
        })
        .collect()
}

fn render(judged: &BTreeMap<String, Judged>) -> String {
    let mut out = String::from(
        "# Expected verdicts of iam.no-privilege-escalation on every AWS-managed policy moto ships,\n\
         # each attached alone to a role: name<TAB>PASS, or name<TAB>FAIL<TAB>severity<TAB>method ids.\n\
         # Source: moto==5.1.22 (scripts/requirements-moto.txt; Apache-2.0), moto/iam/aws_managed_policies.py;\n\
         # the policy documents are AWS's. Checked by tests/tests/privesc_corpus.rs; regenerate after a\n\
         # reviewed engine change with ZTSCAN_UPDATE_CORPUS=1. The rule reads the PASS names: attaching\n\
         # only such a policy (iam:PolicyARN) is not an escalation.\n",
    );
    for (name, j) in judged {
        out.push_str(&format!("{name}\t{}\n", j.verdict));
    }
    out
}

fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t').map(|(n, v)| (n.to_string(), v.to_string())))
        .collect()
}

#[test]
fn every_aws_managed_policy_alone() {
    let judged = judge_all();
    assert!(judged.len() > 1000, "corpus looks truncated: {}", judged.len());

    // Counts and the longest reason, for the record.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for j in judged.values() {
        let key = match j.severity {
            Some(s) => format!("FAIL {s}"),
            None => j.status.to_string(),
        };
        *counts.entry(key).or_default() += 1;
    }
    let mut lengths: Vec<usize> =
        judged.values().filter(|j| j.status == Status::Fail).map(|j| j.reason.chars().count()).collect();
    lengths.sort_unstable();
    let (longest_name, longest) = judged
        .iter()
        .max_by_key(|(_, j)| j.reason.chars().count())
        .map(|(n, j)| (n.clone(), j.reason.clone()))
        .unwrap_or_default();
    println!("corpus: {} policies, {counts:?}", judged.len());
    println!(
        "FAIL reasons: median {} characters, longest {} ({longest_name}): {longest}",
        lengths.get(lengths.len() / 2).copied().unwrap_or(0),
        longest.chars().count()
    );
    if std::env::var_os("ZTSCAN_CORPUS_REASONS").is_some() {
        for (name, j) in judged.iter().filter(|(_, j)| j.status == Status::Fail) {
            println!("{name}: {}", j.reason);
        }
    }
    for (name, j) in &judged {
        assert!(
            j.reason.chars().count() <= MAX_REASON,
            "{name}: {} characters: {}",
            j.reason.chars().count(),
            j.reason
        );
        assert_ne!(j.status, Status::Unknown, "{name}: {}", j.reason);
    }

    let path = repo().join(EXPECTED);
    let current = render(&judged);
    if std::env::var_os("ZTSCAN_UPDATE_CORPUS").is_some() {
        std::fs::write(&path, &current).expect("write the expected verdicts");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let (want, got) = (parse(&committed), parse(&current));
    let mut diff = Vec::new();
    for name in want.keys().chain(got.keys()).collect::<std::collections::BTreeSet<_>>() {
        match (want.get(name), got.get(name)) {
            (Some(w), Some(g)) if w == g => {}
            (w, g) => diff.push(format!(
                "  {name}\n    - {}\n    + {}",
                w.map_or("(absent)", String::as_str),
                g.map_or("(absent)", String::as_str)
            )),
        }
    }
    assert!(
        diff.is_empty(),
        "{} of {} verdicts differ from {EXPECTED} (- recorded, + now); review, then rerun with ZTSCAN_UPDATE_CORPUS=1:\n{}",
        diff.len(),
        judged.len(),
        diff.join("\n")
    );
}

/// One policy of each kind the issue names, with the verdict read by hand from its document.
#[test]
fn the_kinds_of_the_issue() {
    let judged = judge_all();
    let verdict = |name: &str| judged.get(name).unwrap_or_else(|| panic!("{name} not in the corpus")).verdict.clone();
    let cases: &[(&str, &str)] = &[
        // `*` on `*`.
        ("AdministratorAccess", "FAIL\tCRITICAL"),
        // Every IAM write on any resource.
        ("IAMFullAccess", "FAIL\tHIGH"),
        // iam:PassRole only to Application Auto Scaling and DAX.
        ("AmazonDynamoDBFullAccess", "PASS"),
        // ssm:SendCommand only with AWS-owned documents that run nothing the caller chooses.
        ("AmazonGuardDutyServiceRolePolicy", "PASS"),
        // iam:AttachRolePolicy only for named, harmless AWS-managed policies.
        ("AWSQuickSetupManagedInstanceProfileExecutionPolicy", "PASS"),
        ("CloudWatchInternetMonitorFullAccess", "PASS"),
        // iam:AttachRolePolicy of AdministratorAccess, but only to stacksets-exec-* roles.
        ("CloudFormationStackSetsOrgMemberServiceRolePolicy", "FAIL\tMEDIUM"),
    ];
    for (name, want) in cases {
        assert!(verdict(name).starts_with(want), "{name}: {}", verdict(name));
    }
}
