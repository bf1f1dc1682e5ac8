//! Cases 1 and 2 against the Python tool, in the same alternating loop.

use super::*;

impl Bench {
    /// Cases 1 and 2 against the Python ai-session-manager 0.1.4, in the same alternating loop.
    pub fn compare_python(
        &self,
        runs: usize,
        claude: &Pair,
        codex: &ResetPair,
        case1: &Comparison,
        case2: &Comparison,
        table: &mut Table,
    ) {
        let venv = self.root.join("py-venv");
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "ai-session-manager==0.1.4"])
                .status()
                .is_ok_and(|s| s.success());
        if !ok {
            println!(
                "notice: could not install ai-session-manager==0.1.4 with pip; skipping the Python comparison"
            );
            return;
        }
        // Its wrappers, as its own setup writes them, beside copies of the same real binaries.
        let py_bin = self.root.join("py-bin");
        std::fs::create_dir_all(&py_bin).unwrap();
        for tool in ["claude", "codex"] {
            let wrapper = py_bin.join(tool);
            write(
                &wrapper,
                format!(
                    "#!{}\nfrom ai_session_manager.wrapper import run\nrun({tool:?})\n",
                    venv.join("bin/python").display()
                ),
            );
            std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::copy(
                self.bin.join(format!("{tool}-real")),
                py_bin.join(format!("{tool}-real")),
            )
            .unwrap();
        }
        // It checks a codex id against history.jsonl, and needs git for the project root.
        let codex_id = codex.direct.args[1].to_str().unwrap().to_owned();
        write(
            &self.home.join(".codex/history.jsonl"),
            format!("{{\"session_id\":\"{codex_id}\",\"ts\":1,\"text\":\"hi\"}}\n"),
        );
        let py_launch = |template: &Launch, name: &str| {
            let mut launch = template.clone();
            launch.args.clear();
            launch.arg0 = name.to_owned();
            launch.program = py_bin.join(name);
            let mut path = py_bin.clone().into_os_string();
            path.push(":/usr/bin:/bin");
            launch.env[1].1 = path;
            launch
        };
        let python_claude = py_launch(&claude.wrapped, "claude");
        let py1 = compare(runs, &claude.direct, &python_claude, None);
        let python_runs = runs.min(20);
        eprintln!("python codex: {python_runs} launches (each reads every rollout) ...");
        let python_codex = py_launch(&codex.wrapped, "codex");
        let py2 = compare(python_runs, &codex.direct, &python_codex, None);
        for (case, ours, theirs) in [
            ("1. claude resume", case1, &py1),
            ("2. codex stored id", case2, &py2),
        ] {
            let (ours, theirs) = (median(&ours.added_ms), median(&theirs.added_ms));
            let ratio = theirs / ours.max(0.001);
            table.row(
                &format!("{case}: Python 0.1.4 added / ours"),
                format!("{theirs:.1} ms / {ours:.2} ms = {ratio:.0}x"),
                ">= 20x",
                ratio >= 20.0,
            );
        }
    }
}
