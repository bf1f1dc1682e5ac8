//! Where setup finds each tool, and what it would do there.

use super::*;

fn unix(tool: &str) -> Layout {
    Layout::new(Path::new("/usr/local/bin"), tool, None)
}

fn windows(ext: &str) -> Layout {
    Layout::new(Path::new(r"C:\npm"), "claude", Some(OsStr::new(ext)))
}

fn site(layout: Layout, situation: Situation) -> Site {
    Site {
        tool: "claude",
        found: Some(layout.original.clone()),
        layout,
        situation,
        stray_wrapper: false,
    }
}

fn p(path: &Path) -> PathBuf {
    path.to_path_buf()
}

#[test]
fn unix_wrappers_take_the_tools_own_name() {
    let layout = unix("codex");
    assert_eq!(layout.original, Path::new("/usr/local/bin/codex"));
    assert_eq!(layout.real, Path::new("/usr/local/bin/codex-real"));
    assert_eq!(layout.wrapper, layout.original);
}

#[test]
fn windows_wrappers_are_cmd_files_and_the_real_binary_keeps_its_extension() {
    let exe = windows("exe");
    assert_eq!(exe.original, Path::new(r"C:\npm").join("claude.exe"));
    assert_eq!(exe.real, Path::new(r"C:\npm").join("claude-real.exe"));
    assert_eq!(exe.wrapper, Path::new(r"C:\npm").join("claude.cmd"));
    let cmd = windows("cmd");
    assert_eq!(cmd.real, Path::new(r"C:\npm").join("claude-real.cmd"));
    assert_eq!(cmd.wrapper, cmd.original);
}

#[test]
fn every_case_of_the_spec_table_is_told_apart() {
    use AtTool::*;
    use Pair::{Distinct, Same, Tangled};
    use RealFile::*;
    let ours = OurWrapper { current: true };
    let other = OurWrapper { current: false };
    let cases = [
        (Some(ours), Usable, Distinct, Some(Situation::Wrapped)),
        (
            Some(other),
            Usable,
            Distinct,
            Some(Situation::WrappedByOtherCopy),
        ),
        (Some(ours), Absent, Distinct, Some(Situation::RealMissing)),
        (Some(ours), Unusable, Distinct, Some(Situation::RealMissing)),
        (
            Some(other),
            Unusable,
            Distinct,
            Some(Situation::RealMissing),
        ),
        (Some(Foreign), Absent, Distinct, Some(Situation::Unwrapped)),
        (Some(Foreign), Usable, Same, Some(Situation::Interrupted)),
        (Some(Foreign), Usable, Tangled, Some(Situation::Tangled)),
        (
            Some(Foreign),
            Usable,
            Distinct,
            Some(Situation::Overwritten),
        ),
        (
            Some(Foreign),
            Unusable,
            Distinct,
            Some(Situation::Overwritten),
        ),
        (None, Usable, Distinct, Some(Situation::RealOnly)),
        (None, Unusable, Distinct, None),
        (None, Absent, Distinct, None),
    ];
    for (at_tool, real, pair, expected) in cases {
        assert_eq!(
            classify(at_tool, real, pair),
            expected,
            "{at_tool:?} {real:?} {pair:?}"
        );
    }
}

#[test]
fn unix_setup_links_the_real_binary_before_the_wrapper_replaces_the_tool() {
    let layout = unix("claude");
    let link_then_wrap = vec![
        Step::LinkReal {
            from: p(&layout.original),
            to: p(&layout.real),
        },
        Step::PlaceWrapper {
            at: p(&layout.original),
        },
    ];
    let wrap_only = vec![Step::PlaceWrapper {
        at: p(&layout.original),
    }];
    let steps = |situation| site(layout.clone(), situation).setup_steps();
    assert_eq!(steps(Situation::Unwrapped), Some(link_then_wrap.clone()));
    assert_eq!(steps(Situation::Overwritten), Some(link_then_wrap));
    assert_eq!(steps(Situation::Interrupted), Some(wrap_only.clone()));
    assert_eq!(steps(Situation::RealOnly), Some(wrap_only.clone()));
    assert_eq!(steps(Situation::WrappedByOtherCopy), Some(wrap_only));
    assert_eq!(steps(Situation::Wrapped), Some(vec![]));
    assert_eq!(steps(Situation::RealMissing), None);
    assert_eq!(steps(Situation::Tangled), None);
}

#[test]
fn unix_teardown_renames_the_real_binary_over_the_wrapper() {
    let layout = unix("claude");
    let steps = |situation| site(layout.clone(), situation).teardown_steps();
    let restore = vec![Step::Rename {
        from: p(&layout.real),
        to: p(&layout.original),
    }];
    assert_eq!(steps(Situation::Wrapped), restore);
    assert_eq!(steps(Situation::WrappedByOtherCopy), restore);
    assert_eq!(steps(Situation::RealOnly), restore);
    assert_eq!(
        steps(Situation::Interrupted),
        [Step::Remove {
            path: p(&layout.real)
        }]
    );
    assert_eq!(
        steps(Situation::RealMissing),
        [Step::Remove {
            path: p(&layout.wrapper)
        }]
    );
    assert_eq!(steps(Situation::Overwritten), []);
    assert_eq!(steps(Situation::Unwrapped), []);
    assert_eq!(steps(Situation::Tangled), []);
}

#[test]
fn windows_setup_keeps_a_claude_at_every_instant() {
    // claude.exe stays until claude.cmd is in place, and goes only once copied.
    let layout = windows("exe");
    assert_eq!(
        site(layout.clone(), Situation::Unwrapped).setup_steps(),
        Some(vec![
            Step::LinkReal {
                from: p(&layout.original),
                to: p(&layout.real),
            },
            Step::PlaceWrapper {
                at: p(&layout.wrapper),
            },
            Step::Remove {
                path: p(&layout.original),
            },
        ])
    );
    // An npm `.cmd` shim is replaced in place, like a Unix tool.
    let layout = windows("cmd");
    assert_eq!(
        site(layout.clone(), Situation::Unwrapped).setup_steps(),
        Some(vec![
            Step::LinkReal {
                from: p(&layout.original),
                to: p(&layout.real),
            },
            Step::PlaceWrapper {
                at: p(&layout.original),
            },
        ])
    );
}

#[test]
fn windows_teardown_restores_the_exe_then_removes_the_cmd_wrapper() {
    let layout = windows("exe");
    let mut wrapped = site(layout.clone(), Situation::Wrapped);
    wrapped.found = Some(p(&layout.wrapper));
    assert_eq!(
        wrapped.teardown_steps(),
        [
            Step::Rename {
                from: p(&layout.real),
                to: p(&layout.original),
            },
            Step::Remove {
                path: p(&layout.wrapper),
            },
        ]
    );
    // An updater wrote a new claude.exe: our claude.cmd behind it goes, claude-real.exe stays.
    let mut overwritten = site(layout.clone(), Situation::Overwritten);
    overwritten.stray_wrapper = true;
    assert_eq!(
        overwritten.teardown_steps(),
        [Step::Remove {
            path: p(&layout.wrapper)
        }]
    );
}
