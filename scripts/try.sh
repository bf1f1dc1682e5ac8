#!/usr/bin/env bash
# Try ai-session-manager without installing any AI CLI or touching your PATH: builds the binary,
# makes a throwaway sandbox (its own PATH, HOME and project) with a stand-in `claude`, runs
# `setup` there, then launches `claude` twice. Everything is deleted afterwards.
#
# ASM_BIN=/path/to/ai-session-manager skips the build and uses that binary.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${ASM_BIN:-}" ]; then
    echo "Building ai-session-manager ..."
    cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
    ASM_BIN="${CARGO_TARGET_DIR:-$repo/target}/release/ai-session-manager"
fi

# One stream, so the wrapper's lines (stderr) show in order with everything else.
exec 2>&1

sandbox=$(mktemp -d "${TMPDIR:-/tmp}/asm-try-XXXXXX")
trap 'rm -rf "$sandbox"' EXIT
mkdir -p "$sandbox/bin" "$sandbox/home" "$sandbox/my-project"
cp "$ASM_BIN" "$sandbox/bin/ai-session-manager"

# A stand-in for Claude Code. Like the real one, it keeps the conversation in
# ~/.claude/projects/<folder>/<session id>.jsonl once a message is sent.
cat > "$sandbox/bin/claude" <<'STANDIN'
#!/bin/sh
echo "  (stand-in claude) started with: $*"
id=""
while [ $# -gt 0 ]; do
    case "$1" in
        --session-id|--resume) id="$2"; shift ;;
    esac
    shift
done
[ -n "$id" ] || exit 0
folder=$(pwd -P | sed 's/[^A-Za-z0-9]/-/g')
mkdir -p "$HOME/.claude/projects/$folder"
printf '{"type":"user","sessionId":"%s","message":{"role":"user","content":"hello"}}\n' "$id" \
    >> "$HOME/.claude/projects/$folder/$id.jsonl"
STANDIN
chmod +x "$sandbox/bin/claude"

export HOME="$sandbox/home"
export PATH="$sandbox/bin:/usr/bin:/bin"
cd "$sandbox/my-project"

echo
echo "\$ ai-session-manager setup claude"
ai-session-manager setup claude
echo
echo "\$ claude        # first launch in my-project"
claude
echo
echo "\$ claude        # relaunch: the same conversation comes back"
claude
echo
echo "\$ ai-session-manager teardown claude"
ai-session-manager teardown claude
