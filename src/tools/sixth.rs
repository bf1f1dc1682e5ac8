//! A sixth tool that exists only in tests: it plugs in through the registry line alone, and the
//! tests below show every part of the program knows it from there.

use anyhow::Result;

use crate::contract::{
    ArgRules, Context, Existing, Plan, Tool, ToolInfo, managed_target, plan_managed,
};
use crate::project::SessionMode;

pub struct Sixth;

static INFO: ToolInfo = ToolInfo {
    name: "sixth",
    display_name: "Sixth Tool",
    session_mode: SessionMode::ManagedId,
    args: ArgRules {
        value_flags: &["--model"],
        subcommands: &["login"],
        pass_flags: &["--resume", "-p"],
        positional_prompt_is_one_shot: false,
        interactive_flags: &[],
    },
    accepts_target: managed_target,
    legacy_id_file: None,
    root_variable: None,
};

impl Tool for Sixth {
    fn info(&self) -> &'static ToolInfo {
        &INFO
    }

    fn plan(&self, _context: &Context, stored: Option<&str>, fresh: bool) -> Result<Plan> {
        plan_managed(stored, fresh, "--session", |id| {
            Ok(Existing::Resume(vec!["--resume".into(), id.into()]))
        })
    }

    fn store_root(&self) -> Result<std::path::PathBuf> {
        crate::contract::home().map(|home| home.join(".sixth"))
    }

    fn has_session(&self, _context: &Context, _id: &str) -> Result<bool> {
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::*;
    use crate::project::{Scope, StateStore};
    use crate::tools;

    #[test]
    fn the_registry_line_alone_makes_it_a_tool() {
        assert!(tools::find("sixth").is_some());
        assert_eq!(tools::names().last(), Some("sixth"));
    }

    #[test]
    fn its_own_flags_decide_what_passes_through() {
        let words = |args: &[&str]| -> Vec<OsString> { args.iter().map(OsString::from).collect() };
        let rules = Sixth.arg_rules();
        assert!(rules.passes_through(&words(&["--model", "m", "login"])));
        assert!(rules.passes_through(&words(&["-p", "question"])));
        assert!(!rules.passes_through(&words(&["--model", "login"])));
    }

    #[test]
    fn its_state_is_a_file_of_its_own_with_its_own_rules() {
        let dir = tempfile::tempdir().unwrap();
        let scope = Scope::containing(dir.path().to_path_buf());
        let store = StateStore::new(&scope, Sixth.state_rules());
        let created = store.create(store.fresh(Sixth.initial_target())).unwrap();
        assert!(created.ours);
        assert_eq!(
            store.path(),
            dir.path().join(".ai-session-manager/sixth.json")
        );
        let loaded = store.load().unwrap().unwrap();
        assert_eq!(loaded.tool, "sixth");
        assert_eq!(loaded.resume_target, created.state.resume_target);
        let context = crate::contract::context_for(&scope, &loaded, store.dir()).0;
        let plan = Sixth
            .plan(&context, loaded.resume_target.as_deref(), false)
            .unwrap();
        assert_eq!(plan.inject[0], "--resume");
    }
}
