//! The system `git`, run on the project's repository for the archive: reading a ref, its tree and
//! blobs, and writing new objects and the ref in one `git fast-import`. Never on the launch path.
//!
//! The repository may have come from a download, so git runs with its folder named outright
//! (`--git-dir`, never found from the environment) and with the settings that could start another
//! program turned off. Only plumbing commands run: none reads the index or runs a hook.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use anyhow::{Context as _, Result, bail};

/// The repository of a project, as git is run on it.
pub struct Repo {
    pub git_dir: PathBuf,
}

/// One entry of a tree listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    pub mode: String,
    pub oid: String,
    pub size: u64,
    pub path: String,
}

/// What a push to a remote came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Pushed {
    Done,
    /// The remote's ref moved since it was fetched: fetch again and retry.
    Rejected,
}

/// Blobs larger than this are not read back as manifests: ours are a few hundred bytes.
pub const MANIFEST_CAP: u64 = 64 * 1024;

impl Repo {
    pub fn new(git_dir: &Path) -> Repo {
        Repo {
            git_dir: git_dir.to_path_buf(),
        }
    }

    /// `git` on this repository, quiet, with nothing inherited that could point it elsewhere or
    /// start another program.
    pub fn git(&self) -> Command {
        let mut command = Command::new("git");
        for name in [
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "GIT_OBJECT_DIRECTORY",
            "GIT_ALTERNATE_OBJECT_DIRECTORIES",
            "GIT_NAMESPACE",
            "GIT_CEILING_DIRECTORIES",
        ] {
            command.env_remove(name);
        }
        command
            .env("GIT_TERMINAL_PROMPT", "0")
            .args(["-c", "core.fsmonitor=false", "-c", "gc.auto=0"])
            .args([
                "-c",
                "core.hooksPath=/dev/null",
                "-c",
                "maintenance.auto=false",
            ])
            .arg("--git-dir")
            .arg(&self.git_dir)
            .stdin(Stdio::null());
        command
    }

    /// What `reference` points at, or `None` when it does not exist.
    pub fn resolve(&self, reference: &str) -> Result<Option<String>> {
        let out = self
            .git()
            .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{reference}^{{commit}}"))
            .stderr(Stdio::null())
            .output()
            .context("cannot run git")?;
        let oid = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        Ok((out.status.success() && is_oid(&oid)).then_some(oid))
    }

    /// Points `reference` at `new` if it points at `old` (none: it must not exist); `new` of
    /// `None` deletes it.
    pub fn update_ref(&self, reference: &str, new: Option<&str>, old: Option<&str>) -> Result<()> {
        let zero = "0000000000000000000000000000000000000000";
        let mut command = self.git();
        command.arg("update-ref");
        match new {
            Some(new) => command.args(["--end-of-options", reference, new, old.unwrap_or(zero)]),
            None => command.args(["-d", "--end-of-options", reference, old.unwrap_or(zero)]),
        };
        let out = command
            .stderr(Stdio::piped())
            .output()
            .context("cannot run git")?;
        if !out.status.success() {
            bail!(
                "git update-ref failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    /// Every blob of a commit's tree, with its path.
    pub fn tree(&self, commit: &str) -> Result<Vec<TreeEntry>> {
        let out = self
            .git()
            .args([
                "ls-tree",
                "-r",
                "-z",
                "--long",
                "--full-tree",
                "--end-of-options",
                commit,
            ])
            .stderr(Stdio::piped())
            .output()
            .context("cannot run git")?;
        if !out.status.success() {
            bail!(
                "git ls-tree failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let mut entries = Vec::new();
        for record in out.stdout.split(|&byte| byte == 0) {
            // `<mode> SP <type> SP <oid> SP+ <size> TAB <path>`
            let Ok(record) = std::str::from_utf8(record) else {
                continue;
            };
            let Some((meta, path)) = record.split_once('\t') else {
                continue;
            };
            let mut fields = meta.split_whitespace();
            let (Some(mode), Some("blob"), Some(oid), Some(size)) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            if let (true, Ok(size)) = (is_oid(oid), size.parse::<u64>()) {
                entries.push(TreeEntry {
                    mode: mode.to_owned(),
                    oid: oid.to_owned(),
                    size,
                    path: path.to_owned(),
                });
            }
        }
        Ok(entries)
    }

    /// The blobs `oids`, each read whole if it is at most `cap` bytes (`None` otherwise), through
    /// one `git cat-file --batch`.
    pub fn small_blobs(&self, oids: &[String], cap: u64) -> Result<Vec<Option<Vec<u8>>>> {
        if oids.is_empty() {
            return Ok(Vec::new());
        }
        let mut child = self
            .git()
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot run git")?;
        let mut input = child.stdin.take().context("no pipe to git")?;
        let asked: Vec<String> = oids.to_vec();
        // Written from another thread, so that neither side waits on a full pipe.
        let writer = std::thread::spawn(move || -> std::io::Result<()> {
            for oid in &asked {
                writeln!(input, "{oid}")?;
            }
            Ok(())
        });
        let mut output = BufReader::new(child.stdout.take().context("no pipe from git")?);
        let mut blobs = Vec::with_capacity(oids.len());
        let mut header = String::new();
        for _ in oids {
            header.clear();
            if output.read_line(&mut header)? == 0 {
                bail!("git cat-file ended early");
            }
            // `<oid> blob <size>`, or `<oid> missing`.
            let fields: Vec<&str> = header.split_whitespace().collect();
            let size = match fields.as_slice() {
                [_, _, size] => size.parse::<u64>().context("git cat-file: a bad size")?,
                _ => {
                    blobs.push(None);
                    continue;
                }
            };
            let mut bytes = Vec::new();
            if size <= cap {
                (&mut output).take(size).read_to_end(&mut bytes)?;
            } else {
                std::io::copy(&mut (&mut output).take(size), &mut std::io::sink())?;
            }
            let mut newline = [0u8; 1];
            output.read_exact(&mut newline)?;
            blobs.push((size <= cap && bytes.len() as u64 == size).then_some(bytes));
        }
        drop(output);
        let _ = writer.join();
        let _ = child.wait();
        Ok(blobs)
    }

    /// Streams the blob `oid` into `out`; returns its size.
    pub fn blob_into(&self, oid: &str, out: &mut dyn Write) -> Result<u64> {
        std::io::copy(&mut self.blob_reader(oid)?, out)
            .with_context(|| format!("cannot copy the archived object {oid}"))
    }

    /// The blob `oid`, read as it streams from git; its end is an error if git failed, so that
    /// a missing object never reads as an empty one.
    pub fn blob_reader(&self, oid: &str) -> Result<BlobReader> {
        let mut child = self
            .git()
            .args(["cat-file", "blob", "--end-of-options", oid])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot run git")?;
        let out = child.stdout.take().context("no pipe from git")?;
        Ok(BlobReader { child, out })
    }

    /// A setting of the repository's own configuration, if it is set.
    pub fn config(&self, key: &str) -> Option<String> {
        let out = self
            .git()
            .args(["config", "--get", "--end-of-options", key])
            .stderr(Stdio::null())
            .output()
            .ok()?;
        let value = String::from_utf8(out.stdout).ok()?.trim().to_owned();
        (out.status.success() && !value.is_empty()).then_some(value)
    }

    /// Whether `remote` is a remote this repository has configured.
    pub fn has_remote(&self, remote: &str) -> bool {
        self.config(&format!("remote.{remote}.url")).is_some()
    }

    /// Fetches `source` of `remote` onto `local` (moved even if it does not fast-forward); the
    /// commit it now names, or `None` when the remote has no such ref (and `local` is removed).
    pub fn fetch(
        &self,
        remote: &str,
        source: &str,
        local: &str,
        interactive: bool,
    ) -> Result<Option<String>> {
        let out = self
            .transport(interactive)
            .args(["fetch", "--no-tags", "--no-write-fetch-head", "--quiet"])
            .args(["--no-recurse-submodules", "--end-of-options", remote])
            .arg(format!("+{source}:{local}"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .context("cannot run git fetch")?;
        if out.status.success() {
            return self.resolve(local);
        }
        let errors = String::from_utf8_lossy(&out.stderr);
        if errors.contains("couldn't find remote ref") {
            if let Some(old) = self.resolve(local)? {
                self.update_ref(local, None, Some(&old))?;
            }
            return Ok(None);
        }
        bail!("git fetch from {remote} failed: {}", errors.trim());
    }

    /// Pushes `commit` to `remote` as `target`, only as a fast-forward.
    pub fn push(
        &self,
        remote: &str,
        commit: &str,
        target: &str,
        interactive: bool,
    ) -> Result<Pushed> {
        let out = self
            .transport(interactive)
            .args([
                "push",
                "--porcelain",
                "--no-verify",
                "--end-of-options",
                remote,
            ])
            .arg(format!("{commit}:{target}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .context("cannot run git push")?;
        if out.status.success() {
            return Ok(Pushed::Done);
        }
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if said.contains("[rejected]")
            || said.contains("non-fast-forward")
            || said.contains("fetch first")
            || said.contains("stale info")
            || said.contains("[remote rejected]") && said.contains("lock")
        {
            return Ok(Pushed::Rejected);
        }
        bail!("git push to {remote} failed: {}", said.trim());
    }

    /// `git` for talking to a remote: transports that run programs are refused, and outside a
    /// person's own command nothing prompts.
    fn transport(&self, interactive: bool) -> Command {
        let mut command = self.git();
        command.args(["-c", "protocol.ext.allow=never"]);
        if interactive {
            command.env_remove("GIT_TERMINAL_PROMPT");
        }
        command
    }

    /// A `git fast-import` that writes one commit on `reference`; with `force`, the ref is moved
    /// even if the new commit does not descend from where it pointed.
    pub fn import_forced(&self) -> Result<Import> {
        self.start_import(&["--force"])
    }

    /// A `git fast-import` that writes one commit on `reference`.
    pub fn import(&self) -> Result<Import> {
        self.start_import(&[])
    }

    fn start_import(&self, extra: &[&str]) -> Result<Import> {
        let mut child = self
            .git()
            .args(["fast-import", "--quiet", "--done"])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot run git fast-import")?;
        let input = child.stdin.take().context("no pipe to git")?;
        let mut import = Import {
            child,
            input: Some(std::io::BufWriter::with_capacity(64 * 1024, input)),
            marks: 0,
            finished: false,
        };
        import.out()?.write_all(b"feature done\n")?;
        Ok(import)
    }
}

/// A commit being written by `git fast-import`: blobs first, then the commit that names them.
/// Dropped before [`Import::finish`], nothing is written to any ref.
pub struct Import {
    child: Child,
    input: Option<std::io::BufWriter<ChildStdin>>,
    marks: u64,
    finished: bool,
}

impl Import {
    fn out(&mut self) -> Result<&mut std::io::BufWriter<ChildStdin>> {
        self.input.as_mut().context("git fast-import is closed")
    }

    /// Adds a blob of exactly `size` bytes read from `content`; returns its mark. Fewer bytes
    /// than promised (a file that shrank while it was read) is an error.
    pub fn blob(&mut self, size: u64, content: &mut dyn Read) -> Result<u64> {
        self.marks += 1;
        let mark = self.marks;
        let out = self.out()?;
        write!(out, "blob\nmark :{mark}\ndata {size}\n")?;
        let copied = std::io::copy(&mut content.take(size), out)?;
        if copied != size {
            bail!("the file shrank while it was archived");
        }
        out.write_all(b"\n")?;
        Ok(mark)
    }

    /// The commit on `reference`, whose parent is `parent` (which the ref must still point at),
    /// setting each `(path, mark)` and removing each of `removed`; then waits for git.
    pub fn finish(
        mut self,
        reference: &str,
        parent: Option<&str>,
        message: &str,
        changes: &[(String, Change)],
    ) -> Result<()> {
        let now = chrono::Utc::now().timestamp();
        let out = self.out()?;
        write!(
            out,
            "commit {reference}\ncommitter ai-session-manager <ai-session-manager@localhost> {now} +0000\ndata {}\n{message}\n",
            message.len()
        )?;
        if let Some(parent) = parent {
            writeln!(out, "from {parent}")?;
        }
        for (path, change) in changes {
            match change {
                Change::Mark(mark) => writeln!(out, "M 100644 :{mark} {path}")?,
                Change::Inline(bytes) => {
                    write!(out, "M 100644 inline {path}\ndata {}\n", bytes.len())?;
                    out.write_all(bytes)?;
                    out.write_all(b"\n")?;
                }
            }
        }
        out.write_all(b"\ndone\n")?;
        out.flush()?;
        drop(self.input.take());
        self.finished = true;
        let mut errors = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            let _ = stderr.read_to_string(&mut errors);
        }
        let status = self.child.wait().context("cannot run git fast-import")?;
        if !status.success() {
            bail!("git fast-import failed: {}", errors.trim());
        }
        Ok(())
    }
}

impl Drop for Import {
    fn drop(&mut self) {
        // Unfinished: without `done`, fast-import writes no ref; make sure it ends.
        if !self.finished {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What a commit sets a path to.
pub enum Change {
    Mark(u64),
    Inline(Vec<u8>),
}

/// A blob as git streams it; reading to the end and dropping it waits for git.
pub struct BlobReader {
    child: Child,
    out: std::process::ChildStdout,
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.out.read(buf)?;
        if read == 0 && !buf.is_empty() && !self.child.wait()?.success() {
            return Err(std::io::Error::other("git cannot read the archived object"));
        }
        Ok(read)
    }
}

impl Drop for BlobReader {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A full hexadecimal object name (SHA-1 or SHA-256).
pub fn is_oid(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}
