//! What a project's `.git` says about branches and worktrees, read from its files, never by
//! running git. Every file here may come from a hostile clone: reads are small, capped, and of
//! regular files only.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

use crate::base::files;
use crate::base::reverse_lines::ReverseLines;

/// `.git` files, `HEAD` and `commondir` are a line; anything longer is not git's.
const SMALL_FILE_CAP: u64 = 4096;
/// How much of `logs/HEAD` is read, from its end, to find the branch the current one came from.
const REFLOG_BUDGET: u64 = 1024 * 1024;

/// The git folders of one work tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitDirs {
    /// This work tree's own folder: `HEAD` and `logs/HEAD` live here.
    pub git_dir: PathBuf,
    /// The folder shared by all work trees of the repository.
    pub common_dir: PathBuf,
}

impl GitDirs {
    /// The git folders of the work tree at `root`, whose `.git` is a folder, or a file naming one
    /// (worktrees, submodules).
    pub fn of(root: &Path) -> Option<GitDirs> {
        let dot_git = root.join(".git");
        let linked = !dot_git.is_dir();
        let git_dir = if !linked {
            dot_git.clone()
        } else {
            let line = read_line(&dot_git)?;
            let target = String::from_utf8(line).ok()?;
            root.join(target.strip_prefix("gitdir:")?.trim())
        };
        let common =
            read_line(&git_dir.join("commondir")).and_then(|line| String::from_utf8(line).ok());
        let common_dir = match common {
            Some(common) if linked => {
                let common_dir = normal(&git_dir.join(common.trim()));
                match is_worktree_of(&git_dir, &common_dir, &dot_git) {
                    true => common_dir,
                    // A `.git` file and a `commondir` that name another repository, and that
                    // repository does not name this folder back: not its worktree.
                    false => git_dir.clone(),
                }
            }
            Some(common) => normal(&git_dir.join(common.trim())),
            None => git_dir.clone(),
        };
        Some(GitDirs {
            git_dir,
            common_dir,
        })
    }

    /// Whether this is a linked worktree (`git worktree add`), not the main one.
    pub fn is_linked_worktree(&self) -> bool {
        self.git_dir != self.common_dir
    }

    /// The main work tree of the repository: the folder whose `.git` is the common folder.
    pub fn main_worktree(&self) -> Option<PathBuf> {
        if self.common_dir.file_name() != Some(OsStr::new(".git")) {
            return None;
        }
        let main = self.common_dir.parent()?.to_path_buf();
        main.join(".git").is_dir().then_some(main)
    }
}

/// Whether `git_dir` is the folder repository `common_dir` keeps for the linked worktree whose
/// `.git` file is `dot_git`, by git's own rule: the folder lies in the repository's `worktrees/`,
/// and its `gitdir` file points back at this `.git` file. Both files could come from a download;
/// only the repository's own record of its worktrees is believed.
fn is_worktree_of(git_dir: &Path, common_dir: &Path, dot_git: &Path) -> bool {
    let git_dir = normal(git_dir);
    if git_dir.parent() != Some(common_dir.join("worktrees").as_path()) {
        return false;
    }
    let Some(back) = read_line(&git_dir.join("gitdir")).and_then(|l| String::from_utf8(l).ok())
    else {
        return false;
    };
    // Absolute, or relative to the admin folder (`worktree.useRelativePaths`).
    let back = normal(&git_dir.join(back.trim()));
    same_file::is_same_file(&back, dot_git).unwrap_or(false)
}

impl GitDirs {
    /// What `HEAD` points at.
    pub fn head(&self) -> GitHead {
        match read_line(&self.git_dir.join("HEAD")) {
            Some(line) => match line.trim_ascii().strip_prefix(b"ref: refs/heads/") {
                Some(branch) if !branch.is_empty() => GitHead::Branch(branch.to_vec()),
                _ => GitHead::Detached,
            },
            None => GitHead::Detached,
        }
    }

    /// The branch the work tree was on before it came to `current`: the newest `checkout:
    /// moving from A to <current>` of `logs/HEAD`, read from its end.
    pub fn previous_branch(&self, current: &[u8]) -> Option<Vec<u8>> {
        let lines = ReverseLines::open(&self.git_dir.join("logs/HEAD"), REFLOG_BUDGET).ok()?;
        for line in lines {
            let Some(tab) = memchr::memchr(b'\t', &line) else {
                continue;
            };
            let message = &line[tab + 1..];
            let Some(moving) = message.strip_prefix(b"checkout: moving from ") else {
                continue;
            };
            let Some(at) = memchr::memmem::rfind(moving, b" to ") else {
                continue;
            };
            let (from, to) = (&moving[..at], &moving[at + 4..]);
            if to == current {
                // From a detached HEAD (a commit), there is no branch to fork from.
                return (from != current && !is_commit_id(from)).then(|| from.to_vec());
            }
        }
        None
    }
}

/// Where `HEAD` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitHead {
    /// A branch, by its name under `refs/heads/`, as bytes: git allows names that are not UTF-8.
    Branch(Vec<u8>),
    /// A commit, or anything that is not a branch.
    Detached,
}

/// The first line of a small regular file, as bytes: branch names need not be UTF-8.
fn read_line(path: &Path) -> Option<Vec<u8>> {
    let (bytes, _) = files::read_regular(path, SMALL_FILE_CAP, true).ok()?;
    let line = bytes
        .split(|byte| *byte == b'\n')
        .next()
        .unwrap_or_default();
    Some(line.to_vec())
}

/// `path` with `.` and `..` resolved lexically (`commondir` is usually `../..`).
fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn is_commit_id(name: &[u8]) -> bool {
    name.len() >= 7 && name.iter().all(u8::is_ascii_hexdigit)
}

/// Longest branch key kept whole; longer names are cut and given a digest of the whole name.
const KEY_MAX: usize = 96;

/// A branch name as part of a file name: letters, digits, `.`, `_` and `-` stay, every other
/// byte becomes `%XX`, so `/`, `..` and bytes that are not UTF-8 are safe and no two names
/// share a key. A long name keeps its start and gets `~` and a digest of the whole name (`~`
/// never appears otherwise).
pub fn branch_key(name: &[u8]) -> String {
    let mut key = String::with_capacity(name.len());
    for &byte in name {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-') {
            key.push(byte as char);
        } else {
            key.push_str(&format!("%{byte:02X}"));
        }
    }
    if key.len() <= KEY_MAX {
        return key;
    }
    let digest = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, name).simple();
    let mut cut = KEY_MAX - 33;
    // Never cut inside a `%XX`.
    while key.as_bytes()[..cut]
        .iter()
        .rev()
        .take(2)
        .any(|b| *b == b'%')
    {
        cut -= 1;
    }
    format!("{}~{digest}", &key[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("main");
        std::fs::create_dir_all(root.join(".git/logs")).unwrap();
        std::fs::write(root.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        (dir, root)
    }

    fn reflog(entries: &[&str]) -> String {
        entries
            .iter()
            .map(|message| {
                format!(
                    "{} {} Dev <dev@example.com> 1795000000 +0100\t{message}\n",
                    "a".repeat(40),
                    "b".repeat(40)
                )
            })
            .collect()
    }

    #[test]
    fn the_branch_is_read_from_head_and_a_commit_is_detached() {
        let (_dir, root) = repo();
        let git = GitDirs::of(&root).unwrap();
        assert_eq!(git.head(), GitHead::Branch(b"main".to_vec()));
        std::fs::write(root.join(".git/HEAD"), format!("{}\n", "c".repeat(40))).unwrap();
        assert_eq!(git.head(), GitHead::Detached);
        std::fs::write(root.join(".git/HEAD"), "ref: refs/heads/feature/a..b\n").unwrap();
        assert_eq!(git.head(), GitHead::Branch(b"feature/a..b".to_vec()));
    }

    #[test]
    fn the_previous_branch_is_where_the_newest_checkout_to_this_one_came_from() {
        let (_dir, root) = repo();
        let log = reflog(&[
            "commit (initial): first",
            "checkout: moving from main to old",
            "checkout: moving from old to main",
            "checkout: moving from main to feature/x",
            "commit: work",
        ]);
        std::fs::write(root.join(".git/logs/HEAD"), log).unwrap();
        let git = GitDirs::of(&root).unwrap();
        assert_eq!(git.previous_branch(b"feature/x"), Some(b"main".to_vec()));
        assert_eq!(git.previous_branch(b"main"), Some(b"old".to_vec()));
        assert_eq!(git.previous_branch(b"nowhere"), None);
    }

    #[test]
    fn a_branch_made_from_a_detached_head_has_no_previous_branch() {
        let (_dir, root) = repo();
        let from = "d".repeat(40);
        let log = reflog(&[&format!("checkout: moving from {from} to topic")]);
        std::fs::write(root.join(".git/logs/HEAD"), log).unwrap();
        assert_eq!(GitDirs::of(&root).unwrap().previous_branch(b"topic"), None);
    }

    #[test]
    fn a_linked_worktree_knows_its_main_worktree() {
        let (dir, main) = repo();
        let admin = main.join(".git/worktrees/wt");
        std::fs::create_dir_all(&admin).unwrap();
        std::fs::write(admin.join("commondir"), "../..\n").unwrap();
        std::fs::write(admin.join("HEAD"), "ref: refs/heads/wt\n").unwrap();
        let wt = dir.path().join("wt");
        std::fs::create_dir_all(&wt).unwrap();
        std::fs::write(wt.join(".git"), format!("gitdir: {}\n", admin.display())).unwrap();
        std::fs::write(
            admin.join("gitdir"),
            format!("{}\n", wt.join(".git").display()),
        )
        .unwrap();

        let git = GitDirs::of(&wt).unwrap();
        assert!(git.is_linked_worktree());
        assert_eq!(git.main_worktree(), Some(main.clone()));
        assert_eq!(git.head(), GitHead::Branch(b"wt".to_vec()));
        let main_git = GitDirs::of(&main).unwrap();
        assert!(!main_git.is_linked_worktree());
    }

    /// A downloaded folder whose `.git` file and admin folder name another repository: only a
    /// repository whose `worktrees/<name>/gitdir` points back at this `.git` file owns it.
    #[test]
    fn a_forged_worktree_is_no_worktree_of_the_repository_it_names() {
        let (dir, victim) = repo();
        let download = dir.path().join("download");
        std::fs::create_dir_all(download.join(".gitadm")).unwrap();
        let dot_git = download.join(".git");
        let common = |admin: &Path, to: &Path| {
            std::fs::write(admin.join("commondir"), format!("{}\n", to.display())).unwrap();
        };

        // Its own admin folder, whose commondir names the victim's .git.
        let adm = download.join(".gitadm");
        std::fs::write(&dot_git, "gitdir: .gitadm\n").unwrap();
        common(&adm, &victim.join(".git"));
        std::fs::write(adm.join("gitdir"), format!("{}\n", dot_git.display())).unwrap();
        let git = GitDirs::of(&download).unwrap();
        assert!(!git.is_linked_worktree());
        assert_eq!(git.main_worktree(), None);

        // An admin folder inside the victim's worktrees/, made by the victim's git for another
        // worktree: its gitdir points at that worktree, not here.
        let other = victim.join(".git/worktrees/other");
        std::fs::create_dir_all(&other).unwrap();
        common(&other, Path::new("../.."));
        let elsewhere = dir.path().join("other/.git");
        std::fs::create_dir_all(elsewhere.parent().unwrap()).unwrap();
        std::fs::write(&elsewhere, format!("gitdir: {}\n", other.display())).unwrap();
        std::fs::write(other.join("gitdir"), format!("{}\n", elsewhere.display())).unwrap();
        std::fs::write(&dot_git, format!("gitdir: {}\n", other.display())).unwrap();
        assert!(!GitDirs::of(&download).unwrap().is_linked_worktree());
        // The real worktree it belongs to is one.
        assert!(
            GitDirs::of(elsewhere.parent().unwrap())
                .unwrap()
                .is_linked_worktree()
        );

        // A gitdir back-file that names this .git, but the admin folder is outside worktrees/.
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        common(&outside, &victim.join(".git"));
        std::fs::write(outside.join("gitdir"), format!("{}\n", dot_git.display())).unwrap();
        std::fs::write(&dot_git, format!("gitdir: {}\n", outside.display())).unwrap();
        assert!(!GitDirs::of(&download).unwrap().is_linked_worktree());

        // A relative back-file, as `worktree.useRelativePaths` writes it, is believed.
        let rel = victim.join(".git/worktrees/rel");
        std::fs::create_dir_all(&rel).unwrap();
        common(&rel, Path::new("../.."));
        std::fs::write(rel.join("gitdir"), "../../../../download/.git\n").unwrap();
        std::fs::write(&dot_git, format!("gitdir: {}\n", rel.display())).unwrap();
        let git = GitDirs::of(&download).unwrap();
        assert!(git.is_linked_worktree());
        assert_eq!(git.main_worktree(), Some(victim));
    }

    #[test]
    fn branch_keys_are_file_name_safe_and_distinct() {
        assert_eq!(branch_key(b"main"), "main");
        assert_eq!(branch_key(b"feature/x"), "feature%2Fx");
        assert_eq!(branch_key(b"a..b"), "a..b");
        assert_eq!(branch_key(b"100%"), "100%25");
        assert_eq!(branch_key(b"caf\xe9"), "caf%E9");
        assert_ne!(branch_key(b"feature/x"), branch_key(b"feature%2Fx"));
        let long_a = [b'a'; 300];
        let mut long_b = long_a;
        long_b[299] = b'b';
        let (a, b) = (branch_key(&long_a), branch_key(&long_b));
        assert_ne!(a, b);
        assert!(a.len() <= KEY_MAX, "{a}");
        let slashes = [b'/'; 200];
        let key = branch_key(&slashes);
        assert!(key.len() <= KEY_MAX);
        assert!(!key.contains('/'));
        let before_digest = key.split('~').next().unwrap();
        assert!(before_digest.len().is_multiple_of(3), "{key}");
    }

    #[cfg(unix)]
    #[test]
    fn a_hostile_dot_git_file_reads_as_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::os::unix::fs::symlink("/dev/zero", root.join(".git")).unwrap();
        assert_eq!(GitDirs::of(root), None);
    }
}
