#!/usr/bin/env bash
# `npm test`: install what is missing (idempotent, fast when done), then every test tier.
# Extra arguments select tiers: `npm test -- unit e2e` (see test/harness/runAll.mjs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The whole suite runs real components: PostgreSQL 15 clusters, an sshd logging in as a dedicated OS user, code-server
# and Chromium. setup.sh installs them with apt and creates that user, so it needs Debian (or Ubuntu) and root.
# Say so before anything else rather than fail halfway.
if [[ $(id -u) != 0 || ! -x /usr/bin/apt-get ]]; then
  cat >&2 <<'EOF'
test: `npm test` runs every tier against real PostgreSQL 15, sshd, code-server and Chromium, and needs a Debian 12
machine (a container or VM is fine) as root: scripts/setup.sh installs, with apt-get,
  openssh-server libkrb5-dev pkg-config g++ make python3 postgresql-15 postgresql-client-15 git ca-certificates
  procps chromium fonts-liberation
plus Node 24 and code-server under .cache/tools, and the SSH tests log in as the OS user `driftguard` (created
with useradd). Run `npm test` as root in this folder on Debian 12 (bookworm) with Node.js 20.9 or later.
Without root, these need nothing installed: npm run lint, npm run typecheck, npm run build, and npm start with the desktop VS Code.
EOF
  exit 1
fi

bash scripts/setup.sh
exec node test/harness/runAll.mjs "$@"
