//! `docs/audits.md`: every audit of the registry for people. Each section is derived from the
//! audit's descriptor (function, CLI value, schedule, change events, rules, the IAM actions its
//! role grants and why, its pacing rates) and its own `README.md` (what it reads and how), so
//! adding an audit adds its section without an edit here. A test keeps the committed file
//! current.

use std::fmt::Write as _;

use super::{Descriptor, GrantScope, Schedule, AUDITS};

/// The command that rewrites `docs/audits.md`.
pub const REGENERATE: &str = "ZTSCAN_UPDATE_DOCS=1 cargo test -p ztscan --lib audit::docs";

/// The whole of `docs/audits.md`.
pub fn markdown() -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "# Audits\n\n\
         Generated from the audit registry (`shared/src/audit/`) by `{REGENERATE}`; do not edit by \
         hand. Each audit is one Lambda function (`functions/<function>/`, its `main.rs` one line \
         with the audit's descriptor) and one `ztscan scan --services` value. Every rule's \
         documentation is in [rules.md](rules.md).\n\n\
         | audit | function | what | rules | schedule |\n|---|---|---|---|---|\n"
    );
    for audit in AUDITS {
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | {} | {} |",
            audit.name,
            audit.function,
            audit.title,
            (audit.rules)().len(),
            schedule(audit.schedule)
        );
    }
    for audit in AUDITS {
        out.push('\n');
        out.push_str(&section(audit));
    }
    out
}

fn schedule(schedule: Schedule) -> &'static str {
    match schedule {
        Schedule::Regular => "the stack's `ScanSchedule`",
        Schedule::Daily => "the stack's `AccountScanSchedule` (daily by default)",
    }
}

/// One audit's section.
fn section(audit: &Descriptor) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## {} (`{}`)\n", audit.title, audit.name);
    let types: Vec<String> = audit.change.config_types.iter().map(|t| format!("`{t}`")).collect();
    let _ = writeln!(
        out,
        "Function `{}` · `ztscan scan --services {}` · full scan on {} · one resource re-evaluated on \
         AWS Config changes of {}.\n",
        audit.function,
        audit.name,
        schedule(audit.schedule),
        types.join(", ")
    );
    out.push_str(audit.about.trim_end());
    out.push_str("\n\n### Rules\n\n| rule | severity | title | on change events |\n|---|---|---|---|\n");
    for meta in (audit.rules)() {
        let anchor: String = meta.id.chars().filter(|c| *c != '.').collect();
        let on_change = if audit.runs_on_change(meta.id) { "yes" } else { "full scan only" };
        let _ =
            writeln!(out, "| [`{}`](rules.md#{anchor}) | {} | {} | {on_change} |", meta.id, meta.severity, meta.title);
    }
    out.push_str("\n### IAM actions of its role\n\n");
    for grant in audit.grants {
        let actions: Vec<String> = grant.actions.iter().map(|a| format!("`{a}`")).collect();
        let scope = match grant.scope {
            GrantScope::Any => "`*`".to_string(),
            GrantScope::Arn(arn) => format!("`{arn}`"),
        };
        let _ = writeln!(out, "- **{}**: {} on {scope}: {}.", grant.sid, actions.join(", "), grant.why);
    }
    if !audit.api_rates.is_empty() {
        out.push_str("\n### Built-in pacing (requests per second, over the shared rates)\n\n");
        let rates: Vec<String> = audit.api_rates.iter().map(|(key, rate)| format!("`{key}` {rate}")).collect();
        let _ = writeln!(out, "{}.", rates.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_audits_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/audits.md");
        let current = markdown();
        if std::env::var_os("ZTSCAN_UPDATE_DOCS").is_some() {
            std::fs::write(path, &current).expect("docs/audits.md is writable");
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(committed == current, "docs/audits.md is stale: run `{REGENERATE}`");
    }

    #[test]
    fn every_audit_has_a_section_with_its_readme_rules_and_grants() {
        let doc = markdown();
        for audit in AUDITS {
            assert!(audit.about.trim().len() > 100, "{}: its README.md says what it reads", audit.name);
            assert!(
                audit.about.contains(&format!("`{}`", audit.function)),
                "{}: its README.md names its function",
                audit.name
            );
            let start = doc.find(&format!("## {} (`{}`)", audit.title, audit.name)).expect("a section");
            let section = &doc[start..];
            for meta in (audit.rules)() {
                assert!(section.contains(&format!("[`{}`]", meta.id)), "{}: {}", audit.name, meta.id);
            }
            for grant in audit.grants {
                assert!(section.contains(&format!("**{}**", grant.sid)), "{}: {}", audit.name, grant.sid);
            }
        }
    }
}
