#!/usr/bin/env bash
# `npm test`: install what is missing (idempotent, fast when done), then every test tier.
# Extra arguments select tiers: `npm test -- unit e2e` (see test/harness/runAll.mjs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec node test/harness/runAll.mjs "$@"
