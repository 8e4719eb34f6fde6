#!/usr/bin/env bash
# Records through the relay, to each record store (files under a data dir, and s3s-fs, a real
# S3-compatible server): upload and download of one file (1 GiB unless --size-mib says otherwise)
# by the `caretrail` CLI in its own process, against a plain copy on the same disk, with the peak
# memory of the CLI and of the relay; then the time to list 1,000 records (--records N) and
# verify their anchors. Prints a table. Everything goes under $TMPDIR (default /tmp).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

[ -x "$CARETRAIL_ANVIL" ] || die "anvil is missing at $CARETRAIL_ANVIL (run ./scripts/setup.sh)"
[ -x "$CARETRAIL_S3S_FS" ] || die "s3s-fs is missing at $CARETRAIL_S3S_FS (run ./scripts/setup.sh)"
[ -d "$CARETRAIL_ASSETS/face-models" ] || die "the face models are missing (run ./scripts/assets.sh)"

step "building the CLI and the bench in release"
cargo build --release --locked -p caretrail -p caretrail-bench
# The bench runs the caretrail CLI beside it, target/release/caretrail.
"$TARGET_DIR/release/records-bench" "$@"
