#!/usr/bin/env bash
# Brings up a throwaway stack and drives the UI through WebDriver as a user would, in the desktop
# app (tauri-driver under Xvfb) and in the web page the relay serves (chromedriver, headless).
# CARETRAIL_SMOKE_SHELLS=web (or desktop) runs one of the two; both by default (and then the web
# page also shows the app's patient's bills).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

APP="$TARGET_DIR/release/caretrail-app"
CLI="$TARGET_DIR/debug/caretrail"
SHELLS=${CARETRAIL_SMOKE_SHELLS:-web desktop}
case " $SHELLS " in *" desktop "*)
  [ -x "$APP" ] || die "$APP is not built: run (cd src-tauri && tauri build --no-bundle)" ;;
esac
cargo build --quiet -p caretrail
[ -f ui/dist/index.html ] || die "ui/dist is not built: run (cd ui && trunk build --release)"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # wait_for FILE PATTERN SECONDS
  for _ in $(seq 1 $(( $3 * 4 ))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.25; done
  cat "$1" >&2; die "timed out waiting for '$2' in $1"
}

# The relay anchors its read log every 3 s, so a read shows "verified" within the test.
"$CLI" up --data-dir "$WORK/data" --relay 127.0.0.1:0 --sandbox 127.0.0.1:0 \
  --ui-dir "$ROOT/ui/dist" --no-app --audit-interval 3 >"$WORK/up.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/up.log" "press Ctrl-C" 60
RELAY=$(awk '$1 == "relay" {print $2}' "$WORK/up.log")
TX=$(awk '$1 == "demo" && $2 == "policy" && $3 == "tx" {print $4}' "$WORK/up.log")
[ -n "$RELAY" ] && [ -n "$TX" ] || { cat "$WORK/up.log" >&2; die "the stack did not report its relay and demo policy"; }

# A hospital the patients can share with: anvil's account 3 (a well-known development key),
# admitted by the health authority (account 0) after the sandbox's government registry checks
# its licence.
GOV=$(awk '$1 == "gov." {print $3}' "$WORK/up.log" | sed 's#/v1/licences/.*##')
AUTHORITY_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
HOSPITAL_KEY=0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6
HOSPITAL=$(cast wallet address --private-key "$HOSPITAL_KEY")
HOSPITAL_PUBLIC=04$(cast wallet public-key --private-key "$HOSPITAL_KEY" | sed 's/^0x//')
"$CLI" authority admit HO-LIC-1001 --public-key "$HOSPITAL_PUBLIC" --registry "$GOV" \
  --relay "$RELAY" --authority-key "$AUTHORITY_KEY" >"$WORK/admit.log" 2>&1 \
  || { cat "$WORK/admit.log" >&2; die "the hospital was not admitted"; }

# The files the patients store: a small document each (the app's spans two of the slices it is
# handed in), and 200 MiB, on which each shell's progress bar must move.
python3 - "$WORK" <<'PY'
import os, sys
work = sys.argv[1]
for name, size in [("lab-report.pdf", 300_000), ("discharge-letter.pdf", 6 << 20)]:
    with open(os.path.join(work, name), "wb") as f:
        f.write(b"%PDF-1.7\n" + os.urandom(size))
with open(os.path.join(work, "scan-archive.bin"), "wb") as f:
    for _ in range(200):
        f.write(os.urandom(1 << 20))
PY

passed=0
failed=0
run_check() { # run_check NAME COMMAND...
  local name=$1; shift
  printf '\n-- %s\n' "$name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $name" >&2
    for log in "$WORK"/*.log; do printf '\n--- %s (last lines)\n' "$log" >&2; tail -n 60 "$log" >&2; done
  fi
}
not_blank() { # the screenshot has the UI's colours, not one flat window
  local colours; colours=$(convert "$1" -format %k info:)
  echo "  $1: $colours distinct colours"
  [ "$colours" -ge 64 ]
}

# Each shell registers its own sandbox citizen (a national ID registers once).
PHOTOS="$CARETRAIL_ASSETS/photos"
POLICIES="$ROOT/crates/sandbox/data/policies"
# Hanne's instant photo: her face cut from a photo with two people (kphotoalbum's bar55_2.jpg,
# CC BY-SA 4.0, cropped here).
convert "$PHOTOS/bar55_2.jpg" -crop 173x173+238+120 +repage -quality 92 "$WORK/hanne.jpg"
# The code "Scan a code" reads: a kiosk code as text, PNG and a Y4M for Chromium's fake camera.
cargo run --quiet --example qr_fixture -- "$WORK" >/dev/null
SCAN_TEXT=$(cat "$WORK/code.txt")

# The hospital's reception kiosk, its key provisioned from a backup file (a V3 keystore cast
# writes) as `caretrail hospital provision` does: the web page's patient checks in there through
# the command line (and the doctor writes from it), the desktop app's through the kiosk's window.
# The passwords are the ones ui_smoke.py types.
STAFF_PASSWORD='correct horse battery staple'
WORKSTATION_PASSWORD='workstation horse battery staple'
cast wallet import hospital --private-key "$HOSPITAL_KEY" --unsafe-password "hospital backup 2026" \
  --keystore-dir "$WORK/backup" >"$WORK/provision.log" 2>&1
provision() { # provision WALLET PASSWORD
  CARETRAIL_PASSWORD="$2" CARETRAIL_BACKUP_PASSWORD="hospital backup 2026" \
    "$CLI" hospital provision --backup "$WORK/backup/hospital" --wallet "$1" >>"$WORK/provision.log" 2>&1 \
    || { cat "$WORK/provision.log" >&2; die "$1 was not provisioned"; }
}
provision "$WORK/kiosk" "$STAFF_PASSWORD"
# The hospital's doctor, lab and billing desk, each her own key (`caretrail staff init`)
# certified by the hospital, with the workstation's copy of the hospital's key (under
# `organization/`, its own password), which anchors what they write; and a second doctor, who
# sees the web page's patient (so that the first one's queue holds the app's patient alone).
for member in doctor lab billing web-doctor; do
  address=$(CARETRAIL_PASSWORD="$STAFF_PASSWORD" "$CLI" staff init --wallet "$WORK/$member" 2>>"$WORK/provision.log")
  CARETRAIL_PASSWORD="$STAFF_PASSWORD" "$CLI" hospital staff add --staff "$address" --role "${member#web-}" \
    --out "$WORK/$member-certificate.json" --relay "$RELAY" --wallet "$WORK/kiosk" >>"$WORK/provision.log" 2>&1 \
    || { cat "$WORK/provision.log" >&2; die "the $member was not certified"; }
  provision "$WORK/$member/organization" "$WORKSTATION_PASSWORD"
  if [ "$member" = doctor ]; then DOCTOR=$address; fi
  if [ "$member" = web-doctor ]; then WEB_DOCTOR=$address; fi
done

# The web UI in headless Chromium.
if [[ " $SHELLS " == *" web "* ]]; then
CHROMEDRIVER_PORT=$(free_port)
chromedriver --port="$CHROMEDRIVER_PORT" >"$WORK/chromedriver.log" 2>&1 &
PIDS+=($!)
run_check "web UI in headless Chromium" python3 tests/smoke/ui_smoke.py \
  --driver "http://127.0.0.1:$CHROMEDRIVER_PORT" --page "$RELAY/" --tx "$TX" \
  --expect-shell web --screenshot "$WORK/web.png" \
  --scan "$SCAN_TEXT" "$WORK/code.png" --fake-video "$WORK/code.y4m" \
  --register 19680915-2284 MMH-1001-0002 "$POLICIES/meridian-basic.pdf" "$WORK/hanne.jpg" \
  --records "$HOSPITAL" "$WORK/lab-report.pdf" --big "$WORK/scan-archive.bin" \
  --recovery "$CLI" "$RELAY" --checkin "$CLI" "$RELAY" "$WORK" "$WEB_DOCTOR"
run_check "web UI screenshot is not blank" not_blank "$WORK/web.png"
fi

# The desktop app under Xvfb, through tauri-driver.
if [[ " $SHELLS " == *" desktop "* ]]; then
# -displayfd: Xvfb picks a free display and writes its number once it accepts clients.
Xvfb -displayfd 3 -screen 0 1280x900x24 -nolisten tcp 3>"$WORK/display" >"$WORK/xvfb.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/display" "[0-9]" 30
DISPLAY_NUMBER=$(head -n 1 "$WORK/display")
DRIVER_PORT=$(free_port)
NATIVE_PORT=$(free_port)
DISPLAY=":$DISPLAY_NUMBER" CARETRAIL_RELAY_URL="$RELAY" CARETRAIL_WALLET="$WORK/app-wallet" \
  tauri-driver --port "$DRIVER_PORT" --native-port "$NATIVE_PORT" >"$WORK/tauri-driver.log" 2>&1 &
PIDS+=($!)
# The visit (steps 6-15) on four more devices, the same app with their own device profiles: the
# hospital's reception kiosk, with the doctor in its staff directory, and the doctor's, the lab's
# and the billing desk's workstations.
python3 - "$WORK" "$DOCTOR" <<'PY'
import json, os, sys
work, doctor = sys.argv[1], sys.argv[2]
with open(os.path.join(work, "kiosk", "device.json"), "w") as f:
    json.dump({"role": "reception",
               "staff": [{"name": "Dr Ada Berg", "address": doctor, "role": "doctor"}]}, f)
for member in ("doctor", "lab", "billing"):
    with open(os.path.join(work, f"{member}-certificate.json")) as f:
        certificate = json.load(f)
    with open(os.path.join(work, member, "device.json"), "w") as f:
        json.dump({"role": member, "certificate": certificate}, f)
PY
# The bad check-in codes the kiosk must refuse, each for what it is, for this chain and hospital.
read -r CHAIN_ID RECORDS < <(python3 -c 'import json, sys, urllib.request
n = json.load(urllib.request.urlopen(sys.argv[1] + "/v1/network"))
print(n["chain_id"], n["record_registry"])' "$RELAY")
cargo run --quiet --example checkin_fixtures -- "$WORK" "$CHAIN_ID" "$RECORDS" "$HOSPITAL"
STAFF_DRIVERS=()
for device in kiosk doctor lab billing; do
  port=$(free_port)
  DISPLAY=":$DISPLAY_NUMBER" CARETRAIL_RELAY_URL="$RELAY" CARETRAIL_WALLET="$WORK/$device" \
    tauri-driver --port "$port" --native-port "$(free_port)" >"$WORK/tauri-driver-$device.log" 2>&1 &
  PIDS+=($!)
  STAFF_DRIVERS+=("http://127.0.0.1:$port")
done
run_check "desktop app under Xvfb" python3 tests/smoke/ui_smoke.py \
  --driver "http://127.0.0.1:$DRIVER_PORT" --app "$APP" --tx "$TX" \
  --visit "${STAFF_DRIVERS[@]}" "$WORK" "$WORK/lab-report.pdf" \
  --expect-shell desktop --screenshot "$WORK/app.png" \
  --scan "$SCAN_TEXT" "$WORK/code.png" \
  --register 19710302-4411 MMH-1001-0001 "$POLICIES/meridian-gold.json" "$PHOTOS/jesper_2.jpg" \
  --records "$HOSPITAL" "$WORK/discharge-letter.pdf" --big "$WORK/scan-archive.bin" \
  --recovery "$CLI" "$RELAY" --block HO-LIC-1001 "$AUTHORITY_KEY"
run_check "desktop app screenshot is not blank" not_blank "$WORK/app.png"
fi

# Both shells: the web page's Bills for the desktop app's patient, whose bill the app's billing
# desk sent (his is the FHIR plan; the web page's patient's policy is a PDF, which no bill is
# checked against). His key is the app's keystore file (there is no OS keyring here), restored in
# the browser as any backup file.
if [[ " $SHELLS " == *" web "* && " $SHELLS " == *" desktop "* ]]; then
run_check "web UI: the app patient's bills" python3 tests/smoke/ui_smoke.py \
  --driver "http://127.0.0.1:$CHROMEDRIVER_PORT" --page "$RELAY/" --tx "$TX" \
  --expect-shell web --screenshot "$WORK/web-restored.png" \
  --bills-of "$WORK/app-wallet/keystore/patient-key.json" 19710302-4411 MMH-1001-0001
fi

if [ -n "${CARETRAIL_SMOKE_SHOTS:-}" ]; then
  mkdir -p "$CARETRAIL_SMOKE_SHOTS" && cp "$WORK"/*.png "$CARETRAIL_SMOKE_SHOTS"/ 2>/dev/null || true
fi
echo
echo "ui smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
