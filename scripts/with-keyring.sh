#!/usr/bin/env bash
# Runs a command in a private D-Bus session with an unlocked gnome-keyring: a real Secret Service
# for the keystore's OS-keyring tests on a headless machine. The keyring's files live in a
# temporary directory, so the user's own keyring is never read or written.
#   scripts/with-keyring.sh cargo test -p caretrail-keystore
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null \
  || die "dbus-run-session or gnome-keyring-daemon is missing: run ./scripts/setup.sh"

if [ -z "${CARETRAIL_KEYRING_SESSION:-}" ]; then
  # dbus-daemon may warn that it cannot raise its file limit in a container; that is harmless.
  exec dbus-run-session -- env CARETRAIL_KEYRING_SESSION=1 "$0" "$@"
fi

keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
mkdir -m 0700 "$keyring_home/data" "$keyring_home/runtime"
# --unlock creates the login keyring with the password read from stdin, and unlocks it. The
# password guards only this throwaway keyring. The daemon exits with the session bus.
printf 'caretrail-tests' | XDG_DATA_HOME="$keyring_home/data" XDG_RUNTIME_DIR="$keyring_home/runtime" \
  gnome-keyring-daemon --unlock --components=secrets >/dev/null
"$@"
