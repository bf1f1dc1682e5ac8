#!/usr/bin/env bash
# Checks an HTML export in a real browser: exports a sample session (tests/fixtures/html), renders
# it with headless Chromium to a PNG, and fails unless the render succeeded, the page shows the
# conversation, and nothing from the transcript became a live script or link.
#
#   scripts/html-screenshot.sh [OUT.png]      default: target/html-export.png
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-target/html-export.png}")

chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$chromium" ]; then
  echo "error: Chromium was not found" >&2
  echo "help: install it (Debian/Ubuntu: apt-get install chromium), then run this again" >&2
  exit 1
fi

cargo build --quiet
bin=$(realpath "${CARGO_TARGET_DIR:-target}/debug/ai-session-manager")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
project="$work/shop"
mkdir -p "$project/.git" "$work/home"
folder=$(printf '%s' "$project" | sed 's/[^A-Za-z0-9]/-/g')
mkdir -p "$work/home/.claude/projects/$folder"
sed "s|__PROJECT__|$project|g" tests/fixtures/html/claude-session.jsonl \
  > "$work/home/.claude/projects/$folder/0b5c6f0e-3f7e-4c1b-9d55-2f5a8f1e9c11.jsonl"
page="$work/session.html"
(cd "$project" && env -i HOME="$work/home" PATH=/usr/bin:/bin "$bin" \
  export claude 0b5c6f0e -o "$page")

flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
  --user-data-dir="$work/chromium")
mkdir -p "$(dirname "$out")"
rm -f "$out"
"$chromium" "${flags[@]}" --window-size=900,1200 --screenshot="$out" "file://$page" 2>/dev/null
"$chromium" "${flags[@]}" --dump-dom "file://$page" > "$work/dom.html" 2>/dev/null

fail() { echo "error: $1" >&2; exit 1; }
[ -s "$out" ] || fail "Chromium wrote no screenshot"
[ "$(head -c 8 "$out" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$out is not a PNG"
[ "$(wc -c < "$out")" -gt 20000 ] || fail "$out is too small to show the page"
grep -q "Why does checkout drop the last coupon?" "$work/dom.html" || fail "the page lost the conversation"
grep -q '<pre><code class="language-rust">' "$work/dom.html" || fail "the code block was not rendered"
grep -qi '<script' "$work/dom.html" && fail "a script element reached the page"
grep -qi 'href="javascript' "$work/dom.html" && fail "a javascript: link reached the page"
echo "rendered $page with $("$chromium" --version 2>/dev/null | head -1) to $out"
