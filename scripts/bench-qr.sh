#!/usr/bin/env bash
# The QR decoder's bench (crates/vision/benches/qr.rs): the cascade stage by stage, rqrr alone,
# rxing alone and zxing-cpp on the ZXing photographs, rqrr's test images and the generated set.
# zxing-cpp runs from a Python venv that this script makes if it is missing (PyPI, pinned).
# Arguments go to the bench: [--data DIR] [--per-category N] [--seed S] [--strength mild|hard]
# [--write DIR] [--sets zxing,rqrr,generated] [--no-fit] [--misses].
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ZXING_CPP_VERSION=3.1.1
PILLOW_VERSION=13.0.0
VENV="${CARETRAIL_ZXING_VENV:-$HOME/.cache/caretrail/zxing-cpp-venv}"
if ! "$VENV/bin/pip" show zxing-cpp 2>/dev/null | grep -qx "Version: $ZXING_CPP_VERSION"; then
  step "pip: installing zxing-cpp $ZXING_CPP_VERSION and Pillow $PILLOW_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "zxing-cpp==$ZXING_CPP_VERSION" "pillow==$PILLOW_VERSION"
fi

step "running the QR bench (release)"
cargo bench --locked -p caretrail-vision --bench qr -- --zxing-python "$VENV/bin/python" "$@"
