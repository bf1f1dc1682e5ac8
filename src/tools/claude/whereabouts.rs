//! What claude's sessions do when their project moves: the transcript is moved into the project
//! folder of the project's new place, so that claude's own
//! `--continue` and picker find it there, as well as `--resume`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use crate::base::files::{self, create_temp, place_new};

/// Copies transcript `from` to `to` with every `"cwd"` that lay under `from_root` moved under
/// `to_root`. The copy is linked into place only when complete, never over a file. Then the old
/// file is renamed aside (`<id>.jsonl.moved-<unix time>`), kept byte for byte but no longer a
/// transcript to claude, which resumes an id only when exactly one project folder holds it.
/// Returns the old file's new name.
pub fn move_transcript(
    from: &Path,
    to: &Path,
    from_root: &Path,
    to_root: &Path,
) -> Result<PathBuf> {
    let (source, _) = files::open_regular(from, false)
        .map_err(|why| anyhow::anyhow!("cannot read {}: {why}", from.display()))?;
    let folder = to.parent().context("a transcript has a folder")?;
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let (temp, mut out) = create_temp(to)?;
    let written = (|| -> Result<()> {
        let rewrite = CwdRewrite::new(from_root, to_root)?;
        let mut reader = BufReader::with_capacity(256 * 1024, source);
        let mut line = Vec::new();
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            out.write_all(&rewrite.apply(&line))?;
        }
        out.sync_all()?;
        Ok(())
    })();
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(error.context(format!(
            "cannot copy {} to {}",
            from.display(),
            to.display()
        )));
    }
    if !place_new(&temp, to)? {
        bail!("{} appeared meanwhile; left both as they are", to.display());
    }
    files::rename_aside(from, "moved")
}

/// Replaces the old root at the start of `"cwd":"…"` values, as JSON spells them.
struct CwdRewrite {
    /// Finds the old spelling, built once for every line.
    old: memchr::memmem::Finder<'static>,
    new: Vec<u8>,
}

impl CwdRewrite {
    fn new(from_root: &Path, to_root: &Path) -> Result<CwdRewrite> {
        let spelled = |root: &Path| -> Result<Vec<u8>> {
            let text = root.to_str().context("a project root that is not UTF-8")?;
            let json = serde_json::to_string(text)?;
            // The opening quote and the path, without the closing quote.
            Ok(json.as_bytes()[..json.len() - 1].to_vec())
        };
        let key = b"\"cwd\":";
        let with_key = |spelled: Vec<u8>| [key.as_slice(), &spelled].concat();
        Ok(CwdRewrite {
            old: memchr::memmem::Finder::new(&with_key(spelled(from_root)?)).into_owned(),
            new: with_key(spelled(to_root)?),
        })
    }

    fn apply<'a>(&self, line: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        let old = self.old.needle();
        if self.old.find(line).is_none() {
            return line.into();
        }
        let mut out = Vec::with_capacity(line.len() + 64);
        let mut rest = line;
        while let Some(at) = self.old.find(rest) {
            let after = &rest[at + old.len()..];
            // The root itself, or a folder under it; not `/old/shop` in `/old/shopping`.
            let whole = matches!(after.first(), Some(b'"' | b'/'));
            out.extend_from_slice(&rest[..at]);
            out.extend_from_slice(if whole { &self.new } else { old });
            rest = after;
        }
        out.extend_from_slice(rest);
        out.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cwd_values_under_the_old_root_move_and_nothing_else_changes() {
        let rewrite = CwdRewrite::new(Path::new("/old/shop"), Path::new("/new/place")).unwrap();
        let line = br#"{"cwd":"/old/shop/api","x":"/old/shop","y":{"cwd":"/old/shop"},"z":{"cwd":"/old/shopping"}}"#;
        assert_eq!(
            rewrite.apply(line).as_ref(),
            br#"{"cwd":"/new/place/api","x":"/old/shop","y":{"cwd":"/new/place"},"z":{"cwd":"/old/shopping"}}"#
        );
        let untouched = br#"{"type":"summary"}"#;
        assert!(matches!(
            rewrite.apply(untouched),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_carried_transcript_is_a_complete_copy_and_the_old_one_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("old/abc.jsonl");
        std::fs::create_dir_all(from.parent().unwrap()).unwrap();
        let body = "{\"cwd\":\"/old/shop\",\"n\":1}\n{\"cwd\":\"/old/shop/a\",\"n\":2}\n";
        std::fs::write(&from, body).unwrap();
        let to = dir.path().join("new/abc.jsonl");
        let aside =
            move_transcript(&from, &to, Path::new("/old/shop"), Path::new("/new/shop")).unwrap();
        assert_eq!(
            std::fs::read_to_string(&to).unwrap(),
            "{\"cwd\":\"/new/shop\",\"n\":1}\n{\"cwd\":\"/new/shop/a\",\"n\":2}\n"
        );
        assert!(!from.exists());
        assert_eq!(std::fs::read_to_string(&aside).unwrap(), body);
        assert!(aside.to_string_lossy().contains("abc.jsonl.moved-"));

        // Never over a transcript that is already there.
        std::fs::write(&from, body).unwrap();
        assert!(
            move_transcript(&from, &to, Path::new("/old/shop"), Path::new("/new/shop")).is_err()
        );
        assert_eq!(std::fs::read_to_string(&from).unwrap(), body);
    }
}
