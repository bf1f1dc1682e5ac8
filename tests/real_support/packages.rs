//! The pinned real CLIs, installed from the npm registry into a cache folder once and reused.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// A real tool as the suite runs it.
pub struct Package {
    pub tool: &'static str,
    pub spec: &'static str,
    pub version: &'static str,
    /// The executable inside the installed package.
    entry: &'static str,
}

pub const PACKAGES: [Package; 4] = [
    Package {
        tool: "claude",
        spec: "@anthropic-ai/claude-code-linux-x64@2.1.330",
        version: "2.1.330",
        entry: "node_modules/@anthropic-ai/claude-code-linux-x64/claude",
    },
    Package {
        tool: "codex",
        spec: "@openai/codex@0.169.0-linux-x64",
        version: "0.169.0",
        entry: "node_modules/@openai/codex/vendor/x86_64-unknown-linux-musl/bin/codex",
    },
    Package {
        tool: "gemini",
        spec: "@google/gemini-cli@0.61.0",
        version: "0.61.0",
        entry: "node_modules/@google/gemini-cli/bundle/gemini.js",
    },
    Package {
        tool: "copilot",
        spec: "@github/copilot-linux-x64@1.0.102",
        version: "1.0.102",
        entry: "node_modules/@github/copilot-linux-x64/copilot",
    },
];

/// Where each tool's executable is, once installed.
pub struct Installed {
    entries: Vec<(&'static str, PathBuf)>,
}

impl Installed {
    pub fn entry(&self, tool: &str) -> &Path {
        &self
            .entries
            .iter()
            .find(|(name, _)| *name == tool)
            .unwrap_or_else(|| panic!("{tool} is not a real tool of the suite"))
            .1
    }
}

/// Why the suite cannot run here: only an unreachable registry is a skip.
pub enum Unavailable {
    RegistryUnreachable(String),
}

/// Installs the packages on first use; later calls (and later runs) reuse the cache.
pub fn installed() -> Result<&'static Installed, &'static Unavailable> {
    static INSTALLED: OnceLock<Result<Installed, Unavailable>> = OnceLock::new();
    INSTALLED.get_or_init(install_all).as_ref()
}

fn cache_root() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("ai-session-manager-real-tools")
}

fn install_all() -> Result<Installed, Unavailable> {
    let mut entries = Vec::new();
    for package in &PACKAGES {
        let dir = cache_root().join(package.spec.replace('/', "+"));
        let entry = dir.join(package.entry);
        let done = dir.join(".installed");
        if !done.exists() {
            eprintln!(
                "real tools: installing {} into {}",
                package.spec,
                dir.display()
            );
            std::fs::create_dir_all(&dir).unwrap();
            let out = Command::new("npm")
                .args([
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--no-save",
                    "--prefix",
                ])
                .arg(&dir)
                .arg(package.spec)
                .output()
                .expect("npm must be installed to run the real-tool suite");
            if !out.status.success() {
                let why = String::from_utf8_lossy(&out.stderr).into_owned();
                if registry_unreachable(&why) {
                    return Err(Unavailable::RegistryUnreachable(why));
                }
                panic!("npm install {} failed:\n{why}", package.spec);
            }
            assert!(entry.exists(), "{} has no {}", package.spec, package.entry);
            std::fs::write(&done, package.spec).unwrap();
        }
        entries.push((package.tool, entry));
    }
    Ok(Installed { entries })
}

/// npm's words for a registry it cannot reach, as opposed to a package it cannot install.
fn registry_unreachable(stderr: &str) -> bool {
    [
        "ENOTFOUND",
        "EAI_AGAIN",
        "ECONNREFUSED",
        "ECONNRESET",
        "ETIMEDOUT",
        "ENETUNREACH",
    ]
    .iter()
    .any(|code| stderr.contains(code))
}
