#!/usr/bin/env bash
# The launch benchmark (benches/launch.rs): prints the table of measured values beside the targets.
# Options: --runs N (launches per side, default 200), --compare-python (needs pip), --keep.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo bench --bench launch -- "$@"
