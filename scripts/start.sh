#!/usr/bin/env bash
# `npm start`: install the npm dependencies if missing, build and package the extension, then open a fresh copy
# of the demo workspace with it installed and the demo's databases running on the embedded PostgreSQL (PGlite),
# in the foreground until Ctrl-C (scripts/start-demo.mjs):
#  - in the desktop VS Code when its `code` CLI is on PATH: no root, no apt, no download beyond npm;
#  - else in code-server (from .cache/tools) at a printed http://127.0.0.1 URL. Installing code-server needs
#    Debian packages and root (scripts/setup.sh); as another user this script says what to install instead.
# PORT=8080 npm start picks code-server's port (default: a free one).
# DRIFT_GUARD_START_DRY_RUN=1 prints the plan (one `start: plan: …` line per step) and does nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

NODE24_DIR=".cache/tools/node-v24.15.0"
CODE_SERVER_DIR=".cache/tools/code-server-4.139.1"
# What setup.sh installs with apt for code-server's native modules (node-gyp), and nothing else start needs.
CODE_SERVER_APT="libkrb5-dev pkg-config g++ make python3"

DRY_RUN="${DRIFT_GUARD_START_DRY_RUN:-}"
say() { echo "start: $*"; }
fail() { echo "start: $*" >&2; exit 1; }
step() {
  # step LABEL COMMAND…: runs it, or only prints it in a dry run.
  local label="$1"; shift
  if [[ -n $DRY_RUN ]]; then say "plan: $label"; else say "$label"; "$@"; fi
}

# Node first: everything below runs on it.
command -v node >/dev/null 2>&1 || fail "Node.js 20.9 or later is needed (https://nodejs.org, or your system's package manager); \`node\` is not on PATH."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=9)?0:1)' \
  || fail "Node.js 20.9 or later is needed; this is $(node --version)."

# A desktop VS Code, not code-server's own `code` shim.
EDITOR_KIND=code-server
if command -v code >/dev/null 2>&1 && ! code --version 2>/dev/null | grep -qi 'code-server'; then EDITOR_KIND=desktop; fi

if [[ $EDITOR_KIND == code-server ]] && ! [[ -x "$NODE24_DIR/bin/node" && -f "$CODE_SERVER_DIR/.complete" ]]; then
  if [[ $(id -u) == 0 ]]; then
    step "setup: installing code-server and Node 24 under .cache/tools (scripts/setup.sh --no-chromium)" bash scripts/setup.sh --no-chromium
  else
    cat >&2 <<EOF
start: no desktop VS Code: \`code\` is not on PATH. Either
  - install VS Code (https://code.visualstudio.com) and put its \`code\` command on PATH
    (macOS: Command Palette → "Shell Command: Install 'code' command in PATH"), then run npm start again; or
  - use code-server instead: it is built from npm with native modules, which needs Debian packages and root.
    As root, in this folder:
      apt-get update && apt-get install -y --no-install-recommends $CODE_SERVER_APT
      bash scripts/setup.sh --no-chromium
    then run npm start again as $(id -un).
EOF
    exit 1
  fi
fi

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  step "npm ci (the npm dependencies)" npm ci --no-audit --no-fund --loglevel=error
fi
step "building the extension" npm run -s build
step "packaging dist-vsix/prisma-drift-guard.vsix" npm run -s package
step "editor $EDITOR_KIND: starting the demo databases and opening a copy of demo/" true
if [[ -n $DRY_RUN ]]; then exit 0; fi
exec node scripts/start-demo.mjs --editor "$EDITOR_KIND"
