#!/usr/bin/env bash
# Installs ai-session-manager from this checkout, then says what to do next. Safe to run again:
# it builds again and replaces the installed binary.
#
#   scripts/install.sh                  build and install into ~/.cargo/bin; on Linux a statically
#                                       linked binary when the C library allows it, else dynamic
#   scripts/install.sh --prefix DIR     the same, into DIR/bin
#   scripts/install.sh --static         insist on the static build (an error where it cannot be)
#   scripts/install.sh --dynamic        a dynamically linked build
set -euo pipefail

usage() {
  sed -n '5,9s/^# //p' "$0"
}

prefix=""
# auto: static where possible; yes: static or fail; no: dynamic.
static="auto"
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
      static=yes
      shift
      ;;
    --dynamic)
      static=no
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

# A static binary skips the dynamic loader on every launch (about 0.3 ms of a ~1 ms launch). It
# needs Linux with glibc or musl and the C library's static archive; an explicit --target keeps
# build scripts and proc macros dynamic.
static_possible() {
  [ "$(uname -s)" = Linux ] || return 1
  local libc_a
  libc_a=$("${CC:-cc}" -print-file-name=libc.a 2>/dev/null || true)
  [ -f "$libc_a" ]
}

install_into() {
  if [ -n "$prefix" ]; then
    cargo install --locked --path . --root "$prefix" "$@"
  else
    cargo install --locked --path . "$@"
  fi
}

install_static() {
  RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
    install_into --force --target "$(rustc -vV | sed -n 's/^host: //p')"
}

linked=dynamic
case "$static" in
  yes)
    if ! static_possible; then
      echo "error: --static needs Linux and the static C library (libc.a)" >&2
      echo "help: install it (Debian/Ubuntu: libc6-dev; Fedora: glibc-static), or use --dynamic" >&2
      exit 1
    fi
    install_static
    linked=static
    ;;
  auto)
    if static_possible && install_static; then
      linked=static
    else
      if static_possible; then
        echo "note: the static build failed; installing the dynamically linked one instead" >&2
      fi
      install_into --force
    fi
    ;;
  no)
    install_into --force
    ;;
esac

if [ -n "$prefix" ]; then
  bin_dir="$prefix/bin"
else
  bin_dir="${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin"
fi

installed="$bin_dir/ai-session-manager"
echo
echo "Installed $installed ($linked build)"
if [ "$(command -v ai-session-manager 2>/dev/null)" != "$installed" ]; then
  echo "Note: $bin_dir is not first on your PATH for ai-session-manager; add it, for example:"
  echo "  export PATH=\"$bin_dir:\$PATH\""
fi
echo
echo "Next: see what setup would change, then wrap your AI CLIs:"
echo "  $installed setup --dry-run"
echo "  $installed setup"
