//! Repository tasks derived from the audit registry (`ztscan::audit::AUDITS`): today the
//! generated regions of `template.yaml` ([`template`]).

pub mod template;

/// The repository's `template.yaml`.
pub fn template_path() -> std::path::PathBuf {
    let xtask = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).join("template.yaml")
}
