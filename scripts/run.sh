#!/usr/bin/env bash
# The run command: installs what is missing, builds, and brings up the whole local stack (anvil
# chain with its state in .caretrail/, contracts, sandbox services, relay) and the desktop app.
# With no display, the same UI is served as a web page by the relay. Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh"

step "building the command line (release)"
cargo build --release -p caretrail

APP_ARGS=(--no-app)
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  APP="$TARGET_DIR/release/caretrail-app"
  # tauri build always rewrites ui/dist and so relinks the app (~35 s); skip it when no source
  # the app is built from has changed since the binary was made.
  if [ -x "$APP" ] && [ -z "$(find ui/src ui/index.html ui/style.css ui/Cargo.toml src-tauri crates \
      Cargo.toml Cargo.lock tauri.conf.json icons -newer "$APP" -print -quit)" ]; then
    step "the desktop app is up to date"
  else
    step "building the desktop app and its UI (release)"
    (cd src-tauri && tauri build --no-bundle)
  fi
  APP_ARGS=(--app "$APP")
else
  step "building the web UI (no display: the relay will serve it)"
  (cd ui && trunk build --release)
fi

step "starting Caretrail (Ctrl-C stops it)"
exec "$TARGET_DIR/release/caretrail" up --data-dir "${CARETRAIL_DATA_DIR:-$ROOT/.caretrail}" \
  --ui-dir "$ROOT/ui/dist" "${APP_ARGS[@]}" "$@"
