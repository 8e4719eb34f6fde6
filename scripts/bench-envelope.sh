#!/usr/bin/env bash
# Streamed envelope encryption against raw AES-256-GCM, `openssl speed` and rage: MB/s and peak
# memory of each, on one file (256 MiB unless --size-mib says otherwise). Prints a table.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

if ! cargo install --list | grep -q '^rage v0.12.1:'; then
  step "cargo install rage 0.12.1 (the age CLI it is compared with)"
  cargo install rage --version 0.12.1 --locked
fi
command -v openssl >/dev/null || die "openssl is missing (apt-get install openssl)"

step "building the bench in release"
cargo build --release --locked -p caretrail-bench
"$TARGET_DIR/release/envelope-bench" --rage "$HOME/.cargo/bin/rage" "$@"
