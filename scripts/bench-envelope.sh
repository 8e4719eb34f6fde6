#!/usr/bin/env bash
# Envelope encryption and decryption against raw AES-256-GCM from the same backend, rage and
# `openssl speed`: MB/s and peak memory of each, file to file (one 256 MiB file unless --size-mib
# says otherwise) and in memory (records of --record-mib), the median of --rounds runs. Prints a
# table and the ratios.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

if ! cargo install --list | grep -q '^rage v0.12.1:'; then
  step "cargo install rage 0.12.1 (the age CLI it is compared with)"
  cargo install rage --version 0.12.1 --locked
fi
command -v openssl >/dev/null || die "openssl is missing (apt-get install openssl)"

step "building the bench in release"
cargo build --release --locked -p caretrail-bench --bin envelope-bench
"$TARGET_DIR/release/envelope-bench" --rage "$HOME/.cargo/bin/rage" "$@"
