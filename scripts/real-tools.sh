#!/usr/bin/env bash
# The real-tool suite: installs claude, codex, gemini and copilot at pinned versions from the npm
# registry (cached in ~/.cache/ai-session-manager-real-tools), runs each offline against a mock
# model API on 127.0.0.1 with a private HOME, and reports one line per check. Extra arguments go
# to the test harness, such as a check's name to run only that one.
set -euo pipefail
cd "$(dirname "$0")/.."
for need in cargo npm node tmux git; do
  if ! command -v "$need" >/dev/null 2>&1; then
    echo "error: the real-tool suite needs $need" >&2
    exit 1
  fi
done
exec cargo test --test real_tools -- --ignored --test-threads=2 "$@"
