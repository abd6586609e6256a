#!/usr/bin/env bash
# Installs what the tests and the demo need and a fresh machine lacks:
# Debian's Chromium (for the browser tests), Debian's nats-server (for the
# NATS backend) and code-server 4.100.3 (a real
# VS Code 1.100 that runs offline). Idempotent: a second run does nothing.
# The host lives outside the repo so every clone on the machine shares it.
set -euo pipefail
HOST_DIR="${COORD_HOST_DIR:-$HOME/.cache/agent-coordination/code-server-4.100.3}"
ENTRY="$HOST_DIR/node_modules/code-server/out/node/entry.js"

log() { printf '[setup-host] %s\n' "$*" >&2; }

install_chromium() {
  if command -v chromium >/dev/null 2>&1; then return; fi
  log "installing Debian chromium (apt)"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
}

# code-server's ripgrep download is a postinstall script we cannot run offline:
# VS Code's file search uses Debian's rg instead.
link_ripgrep() {
  local rg_dir="$HOST_DIR/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin"
  [ -x "$rg_dir/rg" ] && return
  if ! command -v rg >/dev/null 2>&1; then
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq ripgrep >/dev/null 2>&1 || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq ripgrep >/dev/null; } || return 0
  fi
  mkdir -p "$rg_dir" && ln -sfn "$(command -v rg)" "$rg_dir/rg"
}

# The NATS backend's tests and `npm start -- --nats` run Debian's nats-server.
install_nats_server() {
  if command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ]; then return; fi
  log "installing Debian nats-server (apt)"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nats-server >/dev/null 2>&1 || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nats-server >/dev/null; }
}

install_code_server() {
  if [ -f "$HOST_DIR/.complete" ] && [ -f "$ENTRY" ]; then link_ripgrep; return; fi
  log "installing code-server 4.100.3 into $HOST_DIR (about 2 minutes, once)"
  rm -rf "$HOST_DIR"; mkdir -p "$HOST_DIR"
  cd "$HOST_DIR"
  npm init -y >/dev/null
  npm install --no-audit --no-fund --ignore-scripts code-server@4.100.3 >/dev/null
  npm rebuild argon2 >/dev/null
  cd node_modules/code-server/lib/vscode
  npm install --no-audit --no-fund --omit=dev --ignore-scripts >/dev/null
  npm_config_yes=true npm rebuild @parcel/watcher node-pty native-watchdog @vscode/spdlog >/dev/null
  ln -sfn node_modules node_modules.asar
  (cd extensions && npm install --no-audit --no-fund --omit=dev --ignore-scripts >/dev/null)
  touch "$HOST_DIR/.complete"
  link_ripgrep
}

case "${1:-all}" in
  chromium) install_chromium ;;
  code-server) install_code_server ;;
  nats-server) install_nats_server ;;
  all) install_chromium; install_nats_server; install_code_server ;;
  path) echo "$ENTRY" ;;
  *) echo "usage: setup-host.sh [all|chromium|nats-server|code-server|path]" >&2; exit 2 ;;
esac
