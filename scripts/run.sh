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
  step "building the desktop app and its UI (release)"
  (cd src-tauri && tauri build --no-bundle)
  APP_ARGS=(--app "$TARGET_DIR/release/caretrail-app")
else
  step "building the web UI (no display: the relay will serve it)"
  (cd ui && trunk build --release)
fi

step "starting Caretrail (Ctrl-C stops it)"
exec "$TARGET_DIR/release/caretrail" up --data-dir "${CARETRAIL_DATA_DIR:-$ROOT/.caretrail}" \
  --ui-dir "$ROOT/ui/dist" "${APP_ARGS[@]}" "$@"
