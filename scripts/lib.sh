# Shared by the scripts: where things are, and how steps are announced. Sourced, not run.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$ROOT/contracts/node_modules/.bin:$ROOT/node_modules/.bin:$PATH"
export CARETRAIL_ANVIL="$ROOT/contracts/node_modules/.bin/anvil"
# The S3-compatible server the record store's tests run against (scripts/setup.sh installs it).
export CARETRAIL_S3S_FS="${CARETRAIL_S3S_FS:-$HOME/.cargo/bin/s3s-fs}"
# Face model files and the sandbox photographs (scripts/assets.sh), kept out of the clone.
export CARETRAIL_ASSETS="${CARETRAIL_ASSETS:-$HOME/.cache/caretrail/assets}"
# Absolute, so that the Tauri CLI (run from src-tauri/) and these scripts agree on it.
export CARGO_TARGET_DIR="$(realpath -m "${CARGO_TARGET_DIR:-$ROOT/target}")"
TARGET_DIR="$CARGO_TARGET_DIR"

if [ -t 2 ]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD='' PLAIN=''; fi
step() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$PLAIN" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
