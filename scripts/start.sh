#!/usr/bin/env bash
# `npm start`: build and package the extension, then open the demo workspace with it installed:
#  - in the desktop VS Code when its `code` CLI is on PATH;
#  - else in code-server (from .cache/tools, installed by setup.sh) at a printed http://127.0.0.1 URL, in the
#    foreground until Ctrl-C. PORT=8080 npm start picks the port (default: a free one).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh --no-chromium

echo "start: building the extension"
npm run -s build
echo "start: packaging dist-vsix/prisma-drift-guard.vsix"
npm run -s package >/dev/null

# A desktop VS Code, not code-server's own `code` shim.
if command -v code >/dev/null 2>&1 && ! code --version 2>/dev/null | grep -qi 'code-server'; then
  echo "start: installing into the desktop VS Code and opening demo/"
  code --install-extension dist-vsix/prisma-drift-guard.vsix --force
  exec code demo
fi

exec node scripts/start-code-server.mjs
