#!/usr/bin/env bash
# The test command: everything, in order of cost. Installs what is missing first.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh"

step "format"
cargo fmt --all --check

step "UI build (trunk; the app embeds ui/dist)"
(cd ui && trunk build --release)
# Each page's wasm (the web page, the app's patient and staff windows, the scanner and bills
# workers) within
# its budget of 500 KB gzipped.
for wasm in ui/dist/*_bg.wasm; do
  size=$(gzip -9 -c "$wasm" | wc -c)
  echo "$(basename "$wasm"): $size bytes gzipped"
  [ "$size" -le 500000 ] || die "$wasm is $size bytes gzipped, over its 500,000"
done

step "clippy, warnings denied"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "dependency licenses and bans (cargo-deny, deny.toml)"
# cargo-deny reads the crates of every platform; fetch them (from crates.io) first, then check
# offline: the advisory database cannot be fetched here, so only licenses and bans are checked.
cargo fetch --locked
cargo deny --offline --locked --workspace check licenses bans

step "wasm32 check of the UI and the shared crates"
cargo check --locked --target wasm32-unknown-unknown -p caretrail-ui -p caretrail-types -p caretrail-crypto -p caretrail-protocol -p caretrail-fhir -p caretrail-vision
# The desktop app's pages are the UI built with its `desktop` feature (Tauri commands only).
cargo clippy --locked --target wasm32-unknown-unknown -p caretrail-ui --all-targets --features desktop -- -D warnings

step "the protocol's table of cases in headless Chromium (the web page's wasm path)"
# The same cases `cargo test` runs natively below; wasm-bindgen-test-runner (from wasm-bindgen-cli)
# drives Debian's chromium through chromedriver, with the options in crates/protocol/webdriver.json.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver \
  cargo test --locked --target wasm32-unknown-unknown -p caretrail-protocol

step "contracts: build, artifacts up to date, forge tests, Slither"
(
  cd contracts
  forge build
  node artifacts.js --check
  forge test
  # Static analysis of the sources (not the tests or OpenZeppelin); medium or high fails. Slither
  # reads forge's build info, which must come from one clean build.
  forge clean && forge build --build-info >/dev/null
  .venv/bin/slither . --foundry-ignore-compile --filter-paths 'node_modules|test/' \
    --exclude-dependencies --fail-medium
)

step "unit and end-to-end tests (real anvil, relay, sandbox, OS keyring)"
# The desktop shell is tested by the UI smoke test below, on its release build, and by its unit tests. The keystore's
# keyring tests run against gnome-keyring in a private D-Bus session.
"$ROOT/scripts/with-keyring.sh" cargo test --workspace --locked --exclude caretrail-app
# The shell's own unit tests (the camera: a photo, or a clear refusal where there is none).
cargo test --locked -p caretrail-app --lib

step "desktop app: release build"
(cd src-tauri && tauri build --no-bundle)

step "UI smoke tests: the desktop app under Xvfb and the web UI in headless Chromium"
"$ROOT/scripts/smoke.sh"
