#!/usr/bin/env bash
# Installs ai-session-manager from this checkout, then says what to do next. Safe to run again:
# cargo replaces an older install and leaves an up-to-date one alone.
#
#   scripts/install.sh                  cargo install --path .  (into ~/.cargo/bin)
#   scripts/install.sh --prefix DIR     the same, into DIR/bin
set -euo pipefail

usage() {
  sed -n '5,6s/^# //p' "$0"
}

prefix=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix)
      [ $# -ge 2 ] || { echo "error: --prefix needs a folder" >&2; exit 2; }
      prefix=$2
      shift 2
      ;;
    --prefix=*)
      prefix=${1#--prefix=}
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "error: unknown argument '$1'" >&2
      usage >&2
      exit 2
      ;;
  esac
done

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo was not found" >&2
  echo "help: install Rust with rustup (https://rustup.rs), then run this again" >&2
  exit 1
fi

cd "$(dirname "$0")/.."
if [ -n "$prefix" ]; then
  cargo install --locked --path . --root "$prefix"
  bin_dir="$prefix/bin"
else
  cargo install --locked --path .
  bin_dir="${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin"
fi

installed="$bin_dir/ai-session-manager"
echo
echo "Installed $installed"
if [ "$(command -v ai-session-manager 2>/dev/null)" != "$installed" ]; then
  echo "Note: $bin_dir is not first on your PATH for ai-session-manager; add it, for example:"
  echo "  export PATH=\"$bin_dir:\$PATH\""
fi
echo
echo "Next: see what setup would change, then wrap your AI CLIs:"
echo "  $installed setup --dry-run"
echo "  $installed setup"
