#!/usr/bin/env bash
# Installs ai-session-manager from this checkout, then says what to do next. Safe to run again:
# cargo replaces an older install and leaves an up-to-date one alone.
#
#   scripts/install.sh                  cargo install --path .  (into ~/.cargo/bin)
#   scripts/install.sh --prefix DIR     the same, into DIR/bin
#   scripts/install.sh --static         Linux: a statically linked binary, ~0.3 ms faster per launch
set -euo pipefail

usage() {
  sed -n '5,7s/^# //p' "$0"
}

prefix=""
static=""
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
    --static)
      static=1
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
install_args=(--locked --path .)
if [ -n "$static" ]; then
  # A static binary skips the dynamic loader on every launch. It needs the C library's static
  # archive, and an explicit --target so that build scripts and proc macros stay dynamic.
  libc_a=$(cc -print-file-name=libc.a 2>/dev/null || true)
  if [ "$(uname -s)" != Linux ] || [ ! -f "$libc_a" ]; then
    echo "error: --static needs Linux and the static C library (libc.a)" >&2
    echo "help: install it (Debian/Ubuntu: libc6-dev; Fedora: glibc-static), or drop --static" >&2
    exit 1
  fi
  install_args+=(--target "$(rustc -vV | sed -n 's/^host: //p')")
  export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static"
fi
if [ -n "$prefix" ]; then
  cargo install "${install_args[@]}" --root "$prefix"
  bin_dir="$prefix/bin"
else
  cargo install "${install_args[@]}"
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
