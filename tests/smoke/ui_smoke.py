#!/usr/bin/env python3
"""Drives the Caretrail UI through WebDriver, as a user would: the desktop app through
tauri-driver, or the web page through chromedriver. It checks that the UI rendered, that a
malformed transaction id gets a clear error (and the input is kept), and that a published policy
shows with its "verified" mark; then, when asked, that a citizen registers and logs in, stores
files as her records (a progress bar that moves on a large one), sees them listed as written by
her and anchored, opens one and gets the same bytes back, lets an admitted hospital read it and
revokes, and sees her reads verified in the access log; and in the desktop app, the visit's
check-in on three devices (her app's check-in code, the reception kiosk, a doctor's queue).
Standard library only."""

import argparse
import base64
import hashlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

CSS = "css selector"


class Driver:
    def __init__(self, url):
        self.url = url.rstrip("/")
        self.session = None

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        # tauri-driver proxies to WebKitWebDriver over pooled keep-alive connections; when the
        # native driver has just closed one, tauri-driver drops our connection unanswered and the
        # request never reached the app. Sending it again is then safe.
        for attempt in range(3):
            request = urllib.request.Request(
                self.url + path, data=data, method=method,
                headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return json.loads(response.read() or b"{}").get("value")
            except urllib.error.HTTPError as e:
                raise RuntimeError(f"{method} {path}: {e.code} {e.read()[:400]!r}") from None
            except (http.client.RemoteDisconnected, ConnectionResetError):
                if attempt == 2:
                    raise
                print(f"  (driver dropped {method} {path}; sending it again)")

    def start(self, capabilities):
        deadline = time.time() + 30
        while True:
            try:
                value = self.call("POST", "/session", {"capabilities": capabilities})
                self.session = value["sessionId"]
                return
            except (urllib.error.URLError, ConnectionError, RuntimeError) as e:
                if time.time() > deadline:
                    raise RuntimeError(f"no WebDriver session: {e}") from None
                time.sleep(1)

    def s(self, path, method="GET", body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def find(self, selector):
        # WebKitWebDriver answers 500 "Could not parse element info" when an element it found is
        # replaced (a screen re-rendering) before it describes it; a find changes nothing, so it
        # is asked again.
        for attempt in range(5):
            try:
                found = self.s("/elements", "POST", {"using": CSS, "value": selector})
                return found[0][next(iter(found[0]))] if found else None
            except RuntimeError as e:
                if "Could not parse element info" not in str(e) or attempt == 4:
                    raise
                time.sleep(0.2)

    def wait_for(self, *selectors, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for selector in selectors:
                element = self.find(selector)
                if element:
                    return selector, element
            time.sleep(0.25)
        raise RuntimeError(f"none of {selectors} appeared within {timeout}s")

    def wait_gone(self, selector, timeout=10):
        deadline = time.time() + timeout
        while self.find(selector) and time.time() < deadline:
            time.sleep(0.1)

    def text(self, element):
        return self.s(f"/element/{element}/text")

    def type_into(self, element, text):
        self.s(f"/element/{element}/clear", "POST", {})
        self.s(f"/element/{element}/value", "POST", {"text": text})

    def click(self, element):
        self.s(f"/element/{element}/click", "POST", {})

    def value(self, element):
        return self.s(f"/element/{element}/property/value")

    def run_async(self, script):
        """Runs `script` in the page; it calls `done(result)`, passed as its last argument."""
        return self.s("/execute/async", "POST", {"script": script, "args": []})

    def scroll_to(self, selector):
        """Scrolls the page so that `selector` is in the middle of the window."""
        self.s("/execute/sync", "POST", {
            "script": "document.querySelector(arguments[0])"
                      ".scrollIntoView({block: 'center', inline: 'center'});",
            "args": [selector]})

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.s("/screenshot")))

    def quit(self):
        if self.session:
            try:
                self.s("", "DELETE")
            except Exception:  # the app may already be gone
                pass


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print(f"  ok: {message}")


PASSWORD = "correct horse battery staple"
# The password a key restored into a browser is sealed under there.
NEW_PASSWORD = "tidal orchard 47 lantern quill"
# The password of a staff workstation's copy of the hospital's key (smoke.sh provisions it).
WORKSTATION_PASSWORD = "workstation horse battery staple"


def local_storage(driver):
    """The web page's local storage, item by item."""
    return driver.s("/execute/sync", "POST", {
        "script": "return Object.assign({}, window.localStorage);", "args": []})


# Commands outside the main window's capability: Tauri's core plugins, which the UI never calls
# (the path resolver would tell a script in the page where the user's home is).
FORBIDDEN = [
    ("plugin:path|resolve_directory", {"directory": 21}),
    ("plugin:app|version", {}),
    ("plugin:window|get_all_windows", {}),
]


def invoke(driver, command, args):
    """Calls the app's IPC from a script in the webview, as an injected script would; returns
    {"ok": answer} or {"refused": message}."""
    return driver.run_async(
        "const done = arguments[arguments.length - 1];"
        "const ipc = window.__TAURI_INTERNALS__;"
        "if (!ipc) { done({refused: 'no IPC in this page'}); return; }"
        f"ipc.invoke({json.dumps(command)}, {json.dumps(args)})"
        ".then(v => done({ok: v === undefined ? null : v}),"
        " e => done({refused: typeof e === 'string' ? e : JSON.stringify(e)}));")


def app_boundary(driver):
    """The desktop app's IPC: no global Tauri API, a frozen prototype, and a window that may call
    its own commands and nothing else."""
    own = invoke(driver, "patient_profile", {})
    check("ok" in own, f"the window may call its own commands (patient_profile: {own})")
    for command, args in FORBIDDEN:
        answer = invoke(driver, command, args)
        check("not allowed" in answer.get("refused", ""),
              f"{command}, outside the window's capability, is refused ({answer})")
    flags = driver.run_async(
        "const done = arguments[arguments.length - 1];"
        "done({global: typeof window.__TAURI__, frozen: Object.isFrozen(Object.prototype)});")
    check(flags["global"] == "undefined", "the page has no global Tauri API (withGlobalTauri off)")
    check(flags["frozen"], "Object.prototype is frozen (freezePrototype on)")


def log_in(driver, nid, h, web, wrong_first=False):
    """Logs her in from the login screen (her ID typed in the web page, which keeps it sealed)."""
    driver.click(driver.find("#tab-login"))
    _, h_field = driver.wait_for("#login-h")
    deadline = time.time() + 10
    while driver.s(f"/element/{h_field}/property/value") != h and time.time() < deadline:
        time.sleep(0.25)
    check(driver.s(f"/element/{h_field}/property/value") == h, "the login form knows her H")
    if web:
        if wrong_first:
            check(driver.s(f"/element/{driver.find('#login-id')}/property/value") == "",
                  "the web page does not know her ID before her password opens it: she types it")
        driver.type_into(driver.find("#login-id"), nid)
    else:
        check(driver.s(f"/element/{driver.find('#login-id')}/property/value") == nid,
              "and her ID")
    if wrong_first:
        driver.type_into(driver.find("#login-password"), "not her password")
        driver.click(driver.find("#login-submit"))
        _, error = driver.wait_for("#error", timeout=30)
        check("wrong password" in driver.text(error), "a wrong password is refused plainly")
    driver.type_into(driver.find("#login-password"), PASSWORD)
    driver.click(driver.find("#login-submit"))
    found, element = driver.wait_for("#login-done", timeout=30)
    check("Logged in" in driver.text(element), "she logs in")


def recovery_refused(driver, cli, relay, nid, card, photo, h, web):
    """Someone re-verifies as her on another device (the command line, a second wallet) and the
    verification unit proposes moving her registration to that key: the UI warns her, and her
    key cancels it."""
    wallet = tempfile.mkdtemp()
    env = dict(os.environ, CARETRAIL_PASSWORD=PASSWORD, CARETRAIL_WALLET=wallet)
    env.pop("CARETRAIL_RELAY_URL", None)
    out = subprocess.run([cli, "patient", "recover", "--nid", nid, "--card", card, "--photo",
                          photo, "--relay", relay], env=env, capture_output=True, text=True,
                         timeout=180)
    check(out.returncode == 0, f"a recovery of her registration is proposed ({out.stderr[-400:]})")
    driver.click(driver.find("#logout"))
    _, warning = driver.wait_for("#recovery-warning", timeout=30)
    text = driver.text(warning)
    check("moves your registration" in text and "log in" in text,
          f"the UI warns her of the pending recovery ({text})")
    log_in(driver, nid, h, web)
    _, button = driver.wait_for("#recovery-cancel", timeout=30)
    driver.click(button)
    _, done = driver.wait_for("#recovery-done", "#error", timeout=60)
    check("cancelled" in driver.text(done), f"her key cancels it ({driver.text(done)})")
    out = subprocess.run([cli, "patient", "recovery", "--json", "--relay", relay], env=env,
                         capture_output=True, text=True, timeout=60)
    check(out.returncode == 0 and out.stdout.strip() == "null",
          f"nothing is pending any more ({out.stdout.strip()}{out.stderr[-300:]})")
    shutil.rmtree(wallet, ignore_errors=True)


def register_and_log_in(driver, nid, card, policy, photo, screenshot, web):
    """Registers a sandbox citizen through the registration screen, then logs in as her. Returns
    her address and, in the web page, her recovery phrase and H."""
    driver.click(driver.wait_for("#tab-register")[1])
    _, nid_field = driver.wait_for("#reg-nid")
    driver.type_into(nid_field, nid)
    driver.type_into(driver.find("#reg-card"), card)
    # A file input takes the file's path as typed keys (no dialog opens).
    driver.s(f"/element/{driver.find('#reg-policy')}/value", "POST", {"text": policy})
    driver.s(f"/element/{driver.find('#reg-photo')}/value", "POST", {"text": photo})
    driver.wait_for("#reg-policy-name")
    driver.wait_for("#reg-photo-name")
    driver.type_into(driver.find("#reg-password"), PASSWORD)
    driver.type_into(driver.find("#reg-confirm"), PASSWORD)
    driver.click(driver.find("#reg-submit"))
    found, element = driver.wait_for("#reg-done", "#error", timeout=90)
    if found == "#error":
        raise AssertionError("registration was refused: " + driver.text(element))
    h = driver.text(driver.find("#reg-h"))
    check(h.startswith("0x") and len(h) == 66, f"registration shows H ({h})")
    tx = driver.text(driver.find("#reg-tx"))
    check(tx.startswith("0x") and len(tx) == 66, "registration shows the transaction id")
    passed = driver.s("/elements", "POST", {"using": CSS, "value": "ul.progress li.ok"})
    check(len(passed) >= 6, f"each check is shown as passed ({len(passed)} lines)")
    check(driver.s(f"/element/{driver.find('#reg-nid')}/property/value") == nid,
          "the national ID stays in the form")
    phrase = None
    if web:
        phrase = driver.text(driver.find("#reg-phrase p"))
        check(len(phrase.split()) == 24, "the new key's 24-word recovery phrase is shown once")
        kept = local_storage(driver)
        check("caretrail.wallet.key" in kept and "caretrail.wallet.profile" in kept,
              f"the browser keeps her sealed key and profile ({sorted(kept)})")
        for secret in (nid, card, nid.replace("-", ""), card.replace("-", "")):
            check(all(secret not in value for value in kept.values()),
                  f"its local storage holds no {secret!r} in clear")
        check(h in kept["caretrail.wallet.profile"], "H is kept readable for the login form")
    driver.screenshot(screenshot)

    log_in(driver, nid, h, web, wrong_first=True)
    if not web:
        answer = invoke(driver, "patient_login", {"input": {"id": nid, "password": PASSWORD,
                                                            "record": h}})
        check(sorted(answer.get("ok") or {}) == ["expires_at", "patient", "record"],
              f"a login's answer over the IPC holds no session token ({answer})")
        check(PASSWORD not in json.dumps(answer), "nor her password")
    return driver.text(driver.wait_for("#me")[1]), phrase, h


def backup_and_restore(driver, me, phrase, h, nid, card):
    """The web page's backup file, then her key restored from its phrase into an empty browser."""
    driver.click(driver.wait_for("#tab-key")[1])
    _, field = driver.wait_for("#backup-password")
    driver.type_into(field, PASSWORD)
    driver.click(driver.find("#backup-submit"))
    found, element = driver.wait_for("#backup-download", "#error", timeout=60)
    if found == "#error":
        raise AssertionError("no backup file: " + driver.text(element))
    name = driver.s(f"/element/{element}/attribute/download")
    check(name.endswith(".json") and me.lower()[2:] in name.lower(),
          f"a backup file is offered ({name})")
    text = driver.run_async(
        "const done = arguments[arguments.length - 1];"
        "fetch(document.querySelector('#backup-download').href)"
        ".then(r => r.text()).then(done, e => done('failed: ' + e));")
    backup = json.loads(text)
    params = backup["crypto"]["kdfparams"]
    check(backup["version"] == 3 and backup["crypto"]["kdf"] == "scrypt" and params["n"] == 1 << 17,
          "it is a V3 keystore at scrypt n = 2^17")
    check(backup["address"] == me.lower()[2:], "of her address")

    # A browser that keeps nothing: her phrase brings back her key and her registration.
    driver.s("/execute/sync", "POST", {"script": "window.localStorage.clear();", "args": []})
    driver.s("/refresh", "POST", {})
    driver.click(driver.wait_for("#tab-key")[1])
    _, area = driver.wait_for("#restore-phrase")
    driver.type_into(area, phrase)
    found, element = restore_submitted(driver, nid, card)
    if found == "#error":
        raise AssertionError("restore was refused: " + driver.text(element))
    check(me.lower() in driver.text(element).lower(), "her phrase restores her key")
    check(driver.text(driver.find("#restore-h")) == h, "and finds her registration's H")
    kept = local_storage(driver)
    check(all(nid not in value and card not in value for value in kept.values()),
          "the restored profile holds no ID or card in clear either")
    logged_in_restored(driver, nid, h)


def restore_submitted(driver, nid, card):
    """Fills the rest of the restore form (her ID, card, the browser's new password twice), sends
    it, and waits for its outcome."""
    driver.type_into(driver.find("#restore-nid"), nid)
    driver.type_into(driver.find("#restore-card"), card)
    driver.type_into(driver.find("#restore-password"), NEW_PASSWORD)
    driver.type_into(driver.find("#restore-confirm"), NEW_PASSWORD)
    driver.click(driver.find("#restore-submit"))
    return driver.wait_for("#restore-done", "#error", timeout=60)


def logged_in_restored(driver, nid, h):
    """Logs in with the key just restored into the browser, under its new password."""
    driver.click(driver.find("#tab-login"))
    _, h_field = driver.wait_for("#login-h")
    deadline = time.time() + 10
    while driver.s(f"/element/{h_field}/property/value") != h and time.time() < deadline:
        time.sleep(0.25)
    driver.type_into(driver.find("#login-id"), nid)
    driver.type_into(driver.find("#login-password"), NEW_PASSWORD)
    driver.click(driver.find("#login-submit"))
    found, element = driver.wait_for("#login-done", "#error", timeout=30)
    check(found == "#login-done", "the restored key logs in with the new password")


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def store(driver, path, timeout, sample):
    """Stores the file at `path` through "My records"; returns its record id and the progress
    bar's values seen while it ran."""
    field = driver.wait_for("#record-file")[1]
    driver.s(f"/element/{field}/value", "POST", {"text": path})
    _, name = driver.wait_for("#record-file-name")
    check(os.path.basename(path) in driver.text(name), f"{os.path.basename(path)} is chosen")
    driver.click(driver.find("#record-upload"))
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        done = driver.find("#record-uploaded")
        if done:
            return driver.s(f"/element/{done}/attribute/data-id"), seen
        error = driver.find("#records-store .error")
        if error:
            raise AssertionError("the record was refused: " + driver.text(error))
        bar = driver.find("#record-progress") if sample else None
        if bar:
            seen.append(float(driver.value(bar)))
        time.sleep(0.2)
    raise AssertionError(f"the record was not stored within {timeout}s (bar: {seen})")


def row_of(driver, record):
    return driver.wait_for(f'tr.record[data-id="{record}"]', timeout=30)[1]


def cell(driver, record, name):
    return driver.text(driver.find(f'tr.record[data-id="{record}"] .{name}'))


def my_records(driver, me, small, big, desktop):
    """Stores files, sees them listed, opens one; returns the small one's record id."""
    driver.click(driver.wait_for("#tab-records")[1])
    driver.wait_for("#records-none", "#records", timeout=60)
    record, _ = store(driver, small, timeout=120, sample=False)
    check(record.startswith("0x") and len(record) == 66, f"the file is stored as record {record[:12]}…")
    if big:
        size = os.path.getsize(big) >> 20
        started = time.time()
        _, seen = store(driver, big, timeout=900, sample=True)
        rising = [b for a, b in zip(seen, seen[1:]) if b > a]
        print(f"  ({size} MiB stored in {time.time() - started:.0f}s; the bar read {seen})")
        check(len(seen) >= 2 and rising, f"the progress bar moves on a {size} MiB file")
    row_of(driver, record)
    author = cell(driver, record, "author")
    # Her device checks who wrote each record: her own are "you".
    check(author.lower() == "you", f"it is listed as written by her ({author})")
    anchor = cell(driver, record, "anchor")
    check(anchor.startswith("0x") and len(anchor) == 66, "and anchored, with its transaction")
    check(cell(driver, record, "kind") == "Document", "as a Document")
    driver.click(driver.find(f'tr.record[data-id="{record}"] button.record-open'))
    found, element = driver.wait_for("#record-opened", "#records-mine .error", timeout=120)
    if found != "#record-opened":
        raise AssertionError("the record did not open: " + driver.text(element))
    if desktop:
        saved = driver.text(driver.find("#record-saved"))
        back = sha256_of(saved)
    else:
        back = driver.run_async(
            "const done = arguments[arguments.length - 1];"
            "fetch(document.querySelector('#record-download').href)"
            ".then(r => r.arrayBuffer()).then(b => crypto.subtle.digest('SHA-256', b))"
            ".then(h => done(Array.from(new Uint8Array(h))"
            ".map(x => x.toString(16).padStart(2, '0')).join('')))"
            ".catch(e => done('failed: ' + e));")
    check(back == sha256_of(small), "opened on her device, it has the same bytes (SHA-256)")
    return record


def who_can_read(driver, record, hospital):
    driver.click(driver.wait_for("#tab-readers")[1])
    _, warning = driver.wait_for("#revoke-warning")
    check("cannot take back what was already read" in driver.text(warning),
          "the screen says revoking cannot take back what was read")
    reader = driver.find("#share-reader")
    driver.type_into(reader, "0x1234")
    driver.click(driver.find("#share-grant"))
    _, error = driver.wait_for("#who-can-read .error")
    check("address" in driver.text(error), "a malformed reader gets a clear error")
    check(driver.value(reader) == "0x1234", "and what she typed stays")
    driver.type_into(reader, hospital)
    driver.click(driver.wait_for(f'#share-target option[value="{record}"]')[1])
    driver.click(driver.find("#share-grant"))
    driver.wait_gone("#who-can-read .error")
    found, element = driver.wait_for("#share-done", "#who-can-read .error", timeout=90)
    if found != "#share-done":
        raise AssertionError("the grant was refused: " + driver.text(element))
    check("granted" in driver.text(element), "she lets the admitted hospital read the record")
    driver.click(driver.find("#share-revoke"))
    deadline = time.time() + 90
    while time.time() < deadline:
        done = driver.find("#share-done")
        if done and "revoked" in driver.text(done):
            break
        error = driver.find("#who-can-read .error")
        if error:
            raise AssertionError("the revocation was refused: " + driver.text(error))
        time.sleep(0.5)
    else:
        raise AssertionError("the revocation did not finish")
    check(True, "and revokes it")


def access_log(driver, record):
    driver.click(driver.wait_for("#tab-log")[1])
    seen = set()
    deadline = time.time() + 120
    while time.time() < deadline:
        rows = driver.s("/elements", "POST", {"using": CSS, "value":
                                              f'tr.read[data-record="{record}"]'})
        marks = {driver.s(f"/element/{r[next(iter(r))]}/attribute/data-mark") for r in rows}
        seen |= marks
        if "verified" in marks:
            break
        if "not_verified" in marks:
            raise AssertionError("a read of hers shows as not verified")
        time.sleep(2)
        driver.click(driver.find("#log-refresh"))
    else:
        raise AssertionError(f"her read was not verified within 120s (marks seen: {seen})")
    who = driver.text(driver.find(f'tr.read[data-record="{record}"] .who'))
    check(who == "you", "the access log lists her read of the record")
    check(True, f"marked verified against the relay's root on chain (seen: {sorted(seen)})")


def scan_a_code(driver, text, picture, web):
    """"Scan a code": a picture file's code read and named (both shells, the same decoder), and
    in the web page the camera (Chromium's fake one, playing a Y4M of the same code) read by the
    scanner worker; a file that is no picture is refused plainly."""
    driver.click(driver.wait_for("#tab-scan")[1])
    _, picker = driver.wait_for("#scan-file")
    driver.s(f"/element/{picker}/value", "POST", {"text": picture})
    found, element = driver.wait_for("#scan-kind", "#scan-error", timeout=60)
    if found == "#scan-error":
        raise AssertionError("the picture was refused: " + driver.text(element))
    check(driver.text(element) == "Read: a kiosk code", f"a picture's code is named ({driver.text(element)})")
    check(driver.text(driver.find("#scan-text")) == text, "the code's text is shown")
    found, _ = driver.wait_for("#qr-code", "#qr-error", timeout=30)
    if found == "#qr-error":
        raise AssertionError("the code was not drawn: " + driver.text(driver.find("#qr-error")))
    check(driver.value(driver.find("#qr-text")) == text, "the code is drawn again with its text to copy")
    if web:
        driver.click(driver.find("#scan-start"))
        driver.wait_gone("#scan-kind")
        deadline = time.time() + 60
        kind = None
        while time.time() < deadline:
            kind = driver.find("#scan-kind")
            if kind is not None and not driver.s(f"/element/{driver.find('#scan-start')}/property/disabled"):
                break
            time.sleep(0.25)
        error = driver.find("#scan-error")
        if error is not None:
            raise AssertionError("the camera scan was refused: " + driver.text(error))
        check(kind is not None and driver.text(kind) == "Read: a kiosk code",
              "the fake camera's code is read by the scanner worker")
        check(driver.text(driver.find("#scan-text")) == text, "the camera's code has the right text")


def unlock(driver, role):
    """Opens a staff window's key with its password (the key stays in the app)."""
    deadline = time.time() + 60
    shown = None
    while shown != role and time.time() < deadline:  # "staff" until the profile is read
        element = driver.find("#role")
        try:
            shown = driver.text(element) if element else None
        except RuntimeError:
            shown = None
        time.sleep(0.25)
    check(shown == role, f"the device's profile opens the {role}'s window ({shown})")
    _, field = driver.wait_for("#unlock-password")
    driver.type_into(field, PASSWORD)
    second = driver.find("#unlock-organization-password")
    check((second is not None) == (role != "reception"),
          f"the {role}'s window asks for the workstation's password too: "
          f"{'yes' if second else 'no'}")
    if second:
        driver.type_into(second, WORKSTATION_PASSWORD)
    driver.click(driver.find("#unlock-submit"))
    found, element = driver.wait_for("#me", "#error", timeout=60)
    if found == "#error":
        raise AssertionError(f"the {role}'s key was not opened: " + driver.text(element))
    return driver.text(element)


# The bad pictures the kiosk refuses (examples/checkin_fixtures.rs and qr_fixture.rs make them):
# the file, where the refusal shows (the scan's own, or the visit's once the code is read), and
# its title.
BAD_CODES = [
    ("code.png", "#visit-error", "Not a check-in code"),
    ("checkin-forged.png", "#visit-error", "Forged"),
    ("checkin-expired.png", "#scan-error", "Expired"),
    ("checkin-other-organization.png", "#visit-error", "another health organization"),
    ("checkin-unregistered.png", "#visit-error", "Not a registered patient"),
    ("not-caretrail.png", "#scan-error", "Not a Caretrail code"),
    ("checkin-damaged.png", "#scan-error", "Damaged"),
]


def text_when(driver, selector, part, timeout):
    """The text of `selector` once it holds `part` (an element replaced while it is read is
    looked up again); "" if it does not within `timeout` seconds."""
    deadline = time.time() + timeout
    while True:
        element = driver.find(selector)
        try:
            text = driver.text(element) if element else ""
        except RuntimeError:
            text = ""
        if text and part in text:
            return text
        if time.time() >= deadline:
            return ""
        time.sleep(0.25)


def code_pictured(patient, errors, what, picture):
    """Once her window shows a code (or one of `errors`), checks it is a `ct:/` QR code and
    takes a picture of her screen with the code scrolled into the window (WebKit's screenshot of
    the SVG element alone is blank, so the window's)."""
    found, _ = patient.wait_for("#qr-code", *errors, "#qr-error", timeout=60)
    if found != "#qr-code":
        raise AssertionError(f"no {what}: " + patient.text(patient.find(found)))
    check(patient.value(patient.find("#qr-text")).startswith("ct:/"),
          f"her {what} is shown as a QR code")
    patient.scroll_to("#qr-code")
    time.sleep(0.5)
    patient.screenshot(picture)


def checkin_pictured(patient, hospital, picture):
    """Her "Check in": the admitted hospital offered, her code shown and pictured."""
    patient.click(patient.wait_for("#tab-checkin")[1])
    _, organization = patient.wait_for("#checkin-organization", "#error", timeout=60)
    check(patient.value(organization).lower() == hospital.lower(),
          f"she may check in at the admitted hospital ({patient.text(organization)})")
    patient.click(patient.find("#checkin-show"))
    code_pictured(patient, ["#error"], "check-in code", picture)
    check("new code replaces it" in patient.text(patient.find("#checkin-valid")),
          "with the time it may open the visit until, and its renewal")


def visit(patient, kiosk, doctor, app, me, hospital, bad_codes, shots):
    """Steps 6 and 7 on three devices, each the same app with its own device profile: the
    patient's app shows her check-in code for the hospital; the reception kiosk reads a picture of
    it through the camera's fallback (a picture file) after refusing each kind of bad code, opens
    the visit and assigns it to the doctor; the doctor's queue, open since before, shows her."""
    capabilities = {"alwaysMatch": {"tauri:options": {"application": app}}}
    doctor.start(capabilities)
    doctor_address = unlock(doctor, "doctor")
    answer = invoke(doctor, "reception_open", {"code": "ct:/AQ"})
    check("not allowed" in answer.get("refused", ""),
          f"the doctor's window may not call reception's commands ({answer})")
    # Read as it renders (an element replaced while it is read is looked up again).
    waiting = text_when(doctor, "#queue-empty", "Waiting", timeout=30)
    check(waiting != "" and doctor.find("#queue-list") is None, "her queue is open and empty")

    answer = invoke(patient, "staff_queue", {})
    check("not allowed" in answer.get("refused", ""),
          f"the patient's window may not follow a staff queue ({answer})")
    # The kiosk reads a picture of her screen.
    picture = os.path.join(shots, "app-checkin.png")
    checkin_pictured(patient, hospital, picture)

    kiosk.start(capabilities)
    organization_address = unlock(kiosk, "reception")
    check(organization_address.lower() == hospital.lower(),
          "the kiosk holds the hospital's key")
    _, picker = kiosk.wait_for("#scan-file")
    last = None
    for name, where, title in BAD_CODES:
        kiosk.s(f"/element/{picker}/value", "POST", {"text": os.path.join(bad_codes, name)})
        text = text_when(kiosk, where, title, timeout=60)
        check(title in text and kiosk.find("#visit-opened") is None,
              f"{name} is refused, named ({' / '.join(text.splitlines())})")
        last = text
    kiosk.s(f"/element/{picker}/value", "POST", {"text": picture})
    # The last refusal may still be on screen for a moment once the new picture is chosen.
    deadline = time.time() + 90
    while not kiosk.find("#visit-opened"):
        for selector in ("#visit-error", "#scan-error"):
            text = text_when(kiosk, selector, "", timeout=0)
            if text and text != last:
                raise AssertionError("the visit was not opened: " + text)
        if time.time() > deadline:
            raise AssertionError("the kiosk did not open the visit")
        time.sleep(0.25)
    check(kiosk.text(kiosk.find("#visit-patient")).lower() == me.lower(),
          "the kiosk reads her code from a picture and opens her visit")
    visit_id = kiosk.text(kiosk.find("#visit-id"))
    kiosk.click(kiosk.find("#assign"))
    found, element = kiosk.wait_for("#assigned", "#assign-error", timeout=60)
    if found == "#assign-error":
        raise AssertionError("the visit was not assigned: " + kiosk.text(element))
    assigned_at = time.time()
    check("Assigned to Dr" in kiosk.text(element), f"reception assigns it ({kiosk.text(element)})")
    kiosk.screenshot(os.path.join(shots, "app-kiosk.png"))
    kiosk.s(f"/element/{picker}/value", "POST", {"text": picture})
    text = text_when(kiosk, "#visit-error", "used before", timeout=60)
    check(text != "" and kiosk.find("#visit-opened") is None,
          f"the same code again is refused: the chain opens a visit once ({text.splitlines()[:1]})")

    _, row = doctor.wait_for(".queued .patient", timeout=15)
    waited = time.time() - assigned_at
    check(doctor.text(row).lower() == me.lower(),
          f"the doctor's queue shows her, pushed ({waited:.1f} s after the assignment, "
          "WebDriver's polling included)")
    doctor.screenshot(os.path.join(shots, "app-doctor.png"))
    return doctor_address, visit_id


def records_written_by(patient, kinds, staff, timeout=60):
    """Her "My records" lists each of `kinds`, written by `staff` (as her app checked it) and
    anchored; answers {kind: record id}."""
    deadline = time.time() + timeout
    found = {}
    while True:
        patient.click(patient.wait_for("#tab-records")[1])
        patient.wait_for("#records", "#records-none", timeout=60)
        rows = patient.s("/elements", "POST", {"using": CSS, "value": "tr.record"})
        found = {}
        for row in rows:
            element = row[next(iter(row))]
            record = patient.s(f"/element/{element}/attribute/data-id")
            kind = cell(patient, record, "kind")
            if kind in kinds:
                found[kind] = (record, cell(patient, record, "author"), cell(patient, record, "anchor"))
        if set(found) == set(kinds) or time.time() > deadline:
            break
        time.sleep(2)
    check(set(found) == set(kinds), f"her records list {sorted(kinds)} ({sorted(found)})")
    for kind, (_, author, anchor) in sorted(found.items()):
        check(staff.lower() in author.lower() and " at " in author,
              f"{kind}: written by {author}")
        check(anchor.startswith("0x") and len(anchor) == 66, f"{kind}: anchored ({anchor[:12]}…)")
    return {kind: record for kind, (record, _, _) in found.items()}


def doctor_writes(doctor, doctor_address):
    """Step 8–9 in the doctor's window: she picks her patient from the queue, writes a
    prescription and a test list; a bad test code is refused first, the form kept."""
    doctor.click(doctor.find(".queued-pick"))
    _, medication = doctor.wait_for("#orders-medication")
    doctor.type_into(medication, "Amoxicillin 500 mg capsule")
    doctor.type_into(doctor.find("#orders-dosage"), "1 capsule 3 times a day for 7 days")
    tests = doctor.find("#orders-tests")
    doctor.type_into(tests, "58410-3=Complete blood count")
    doctor.click(doctor.find("#orders-submit"))
    _, refusal = doctor.wait_for("#orders .error", timeout=60)
    check("58410-3" in doctor.text(refusal) and doctor.find("#orders-written") is None,
          f"a LOINC code with a wrong check digit is refused ({doctor.text(refusal).splitlines()[0]})")
    check(doctor.value(doctor.find("#orders-medication")) == "Amoxicillin 500 mg capsule",
          "and what she typed stays in the form")
    doctor.type_into(doctor.find("#orders-tests"), "58410-2=Complete blood count")
    doctor.click(doctor.find("#orders-submit"))
    found, element = doctor.wait_for("#orders-written", "#orders .error", timeout=120)
    if found != "#orders-written":
        raise AssertionError("the doctor's orders were refused: " + doctor.text(element))
    items = doctor.s("/elements", "POST", {"using": CSS, "value": "#orders-written .written"})
    kinds = sorted(doctor.s(f"/element/{i[next(iter(i))]}/attribute/data-kind") for i in items)
    check(kinds == ["Encounter", "MedicationRequest", "ServiceRequest"],
          f"the visit's Encounter, U_P and T_D are written and anchored in one batch ({kinds})")


def lab_reports(lab, picture, attachment):
    """Steps 10–14 in the lab's window: a picture of her test-list code read, the list decrypted,
    and the report sent with a file."""
    _, picker = lab.wait_for("#scan-file")
    lab.s(f"/element/{picker}/value", "POST", {"text": picture})
    found, element = lab.wait_for("#lab-taken", "#lab-error", "#scan-error", timeout=120)
    if found != "#lab-taken":
        raise AssertionError("the lab did not take the test list in: " + lab.text(element))
    tests = lab.text(lab.find("#lab-tests"))
    check("Complete blood count" in tests and "58410-2" in tests,
          f"the lab reads her test list, decrypted with the hospital's key ({tests})")
    lab.click(lab.find("#report-submit"))
    _, refusal = lab.wait_for("#lab-order .error", timeout=30)
    check("conclusion" in lab.text(refusal), "a report without its conclusion is refused")
    lab.type_into(lab.find("#report-conclusion"), "Haemoglobin 13.9 g/dL; counts within range.")
    lab.s(f"/element/{lab.find('#report-files')}/value", "POST", {"text": attachment})
    lab.click(lab.find("#report-submit"))
    found, element = lab.wait_for("#report-written", "#report-error", timeout=180)
    if found != "#report-written":
        raise AssertionError("the lab's report was refused: " + lab.text(element))
    items = lab.s("/elements", "POST", {"using": CSS, "value": "#report-written .written"})
    kinds = sorted(lab.s(f"/element/{i[next(iter(i))]}/attribute/data-kind") for i in items)
    check(kinds == ["DiagnosticReport", "Document"],
          f"the report and its file are written and anchored ({kinds})")


def bill_sent(billing, patient, app, visit_id, records, shots):
    """Step 15 in the billing window, for a patient with Meridian Gold (a FHIR InsurancePlan):
    a malformed visit id and a service her policy does not cover are refused before anything is
    written, the lines kept; the bill for a consultation is sent; the same records again are
    refused. Her Bills screen shows the insurer's answer and her own computation agreeing."""
    billing.start({"alwaysMatch": {"tauri:options": {"application": app}}})
    unlock(billing, "billing")
    found, element = billing.wait_for("#bill-visit-pick", "#bill-visits-none", "#billing .error",
                                      timeout=60)
    check(found == "#bill-visit-pick"
          and billing.find(f'#bill-visit-pick option[value="{visit_id}"]') is not None,
          f"the desk lists her visit among the hospital's open ones ({billing.text(element)[:200]})")
    _, visit = billing.wait_for("#bill-visit")
    billing.type_into(visit, "0x1234")
    billing.type_into(billing.find("#bill-lines"), "Dental care=500")
    billing.click(billing.find("#bill-submit"))
    _, refusal = billing.wait_for("#billing .error", timeout=30)
    check("not a visit id" in billing.text(refusal), "a malformed visit id is refused plainly")
    billing.type_into(billing.find("#bill-visit"), visit_id)
    billing.type_into(billing.find("#bill-records"), " ".join(records))
    billing.click(billing.find("#bill-submit"))
    text = text_when(billing, "#billing .error", "not a service her policy covers", timeout=120)
    check(text != "" and billing.find("#bill-sent") is None,
          "a service her policy does not cover is refused, named "
          f"({text.splitlines()[:1] or billing.text(billing.find('#billing'))})")
    check(billing.value(billing.find("#bill-lines")) == "Dental care=500",
          "and the lines typed stay in the form")
    billing.type_into(billing.find("#bill-lines"), "Doctor consultation=800")
    billing.click(billing.find("#bill-submit"))
    found, element = billing.wait_for("#bill-sent", "#billing .error", timeout=120)
    if found != "#bill-sent":
        raise AssertionError("the bill was not sent: " + billing.text(element))
    check("anchored and filed" in billing.text(element), f"the bill is sent ({billing.text(element)})")
    billing.screenshot(os.path.join(shots, "app-billing.png"))
    billing.click(billing.find("#bill-submit"))
    text = text_when(billing, "#billing .error", "billed before", timeout=120)
    check(text != "", f"the same records billed again are refused ({text.splitlines()[-1:]})")

    bill_answered(patient, os.path.join(shots, "app-bills.png"))


def refused(driver, command, args, code, words, what):
    """`command` called from `driver`'s window is refused with `code`, its message holding
    `words`."""
    answer = invoke(driver, command, args)
    said = answer.get("refused", "")
    check(f'"{code}"' in said and words in said, f"{what} is refused: {code} ({answer})")


def app_refusals(kiosk, doctor, billing, me, hospital, doctor_address, visit_id, records, cli,
                 relay, work):
    """What the visit's rules forbid, refused by the staff windows' commands with their own code
    and words: the billing desk names an insurer she is not enrolled with (the hospital); the
    kiosk assigns a visit its hospital never opened; the doctor writes after the hospital revoked
    her certificate from its command line (the kiosk's wallet, WORK/kiosk)."""
    refused(billing, "billing_send",
            {"visitId": visit_id, "lines": [{"service": "Laboratory tests", "amount": 100}],
             "records": records[:1], "insurer": hospital},
            "not_admitted", "is not enrolled with", "a bill to an insurer she is not enrolled with")
    never = {"patient": me, "organization": hospital, "visit_id": "0x" + "ab" * 32,
             "expires_at": int(time.time()) + 3600}
    refused(kiosk, "reception_assign", {"visit": never, "staff": doctor_address},
            "unknown_visit", "", "an assignment to a visit the hospital never opened")
    done = subprocess.run(
        [cli, "hospital", "staff", "revoke", "--staff", doctor_address, "--relay", relay],
        env={**os.environ, "CARETRAIL_WALLET": os.path.join(work, "kiosk"),
             "CARETRAIL_PASSWORD": PASSWORD},
        capture_output=True, text=True, timeout=120)
    check(done.returncode == 0, f"the hospital revokes the doctor ({done.stderr.strip()[-300:]})")
    refused(doctor, "doctor_write",
            {"visitId": visit_id,
             "orders": {"prescription": None, "tests": [{"loinc": "2345-7", "name": "Glucose"}]}},
            "certificate_revoked", "", "a revoked doctor's orders")


def blocked_refusals(patient, kiosk, billing, me, hospital, doctor_address, visit_id, records,
                     cli, relay, licence, authority_key):
    """The health authority blocks the hospital (`caretrail authority block`): her app makes no
    check-in code for it any more, its kiosk opens no visit with a code she made before and
    assigns nothing, and its billing desk bills nothing: each `not_admitted`, in the app."""
    before = invoke(patient, "visit_checkin_code", {"organization": hospital})
    text = (before.get("ok") or {}).get("text", "")
    check(text.startswith("ct:/"), f"her check-in code, made before the block ({before})")
    done = subprocess.run(
        [cli, "authority", "block", licence, "--relay", relay, "--authority-key", authority_key],
        capture_output=True, text=True, timeout=120)
    check(done.returncode == 0, f"the authority blocks the hospital ({done.stderr.strip()[-300:]})")
    refused(patient, "visit_checkin_code", {"organization": hospital}, "not_admitted", "",
            "her check-in code for a blocked hospital")
    refused(kiosk, "reception_open", {"code": text}, "not_admitted", "",
            "a blocked hospital's kiosk opening a visit with a code made before")
    visit = {"patient": me, "organization": hospital, "visit_id": visit_id,
             "expires_at": int(time.time()) + 3600}
    refused(kiosk, "reception_assign", {"visit": visit, "staff": doctor_address}, "not_admitted",
            "", "a blocked hospital's assignment")
    refused(billing, "billing_send",
            {"visitId": visit_id, "lines": [{"service": "Laboratory tests", "amount": 100}],
             "records": records[:1], "insurer": None},
            "not_admitted", "", "a blocked hospital's bill")


def bill_answered(patient, screenshot):
    """Her Bills screen, refreshed until the insurer's answer to her consultation is final: it is
    complete and agrees with her own computation, 800 less her 10 % co-payment."""
    patient.click(patient.wait_for("#tab-bills")[1])
    deadline = time.time() + 120
    while True:
        found, element = patient.wait_for(".bill-agrees", ".bill-differences", "#bills .error",
                                          "#bills-none", ".bill", timeout=60)
        answer = patient.find(".bill-answer")
        outcome = patient.s(f"/element/{answer}/attribute/data-outcome") if answer else None
        if found in (".bill-agrees", ".bill-differences", "#bills .error") and outcome != "queued":
            break
        if time.time() > deadline:
            raise AssertionError("no answer to her bill: " + patient.text(element)[:200])
        time.sleep(2)
        patient.click(patient.find("#bills-refresh"))
    check(found == ".bill-agrees" and outcome == "complete",
          f"the Bills screen shows the insurer's complete answer agreeing with the policy "
          f"({found}, {outcome}: {patient.text(patient.find('#bills'))[:300]})")
    expected = patient.text(patient.find(".bill-expected"))
    check("720" in expected, f"the policy says the insurer pays 800 less 10% ({expected})")
    patient.scroll_to(".bill")
    patient.screenshot(screenshot)


def restored_bills(driver, key_file, nid, card, screenshot):
    """The web page's Bills for the desktop app's patient: his key file (the app's keystore, a V3
    keystore like any backup) restored into the browser under a new password; he logs in, and
    his Bills, read and decrypted in the page, show the bill the app's billing desk sent, the
    insurer's complete answer and his own computation agreeing, as his app showed them."""
    check(os.path.isfile(key_file), f"the app kept his key in a file ({key_file})")
    driver.click(driver.wait_for("#tab-key")[1])
    _, chooser = driver.wait_for("#restore-file")
    driver.type_into(chooser, key_file)
    driver.wait_for("#restore-file-name")
    driver.type_into(driver.find("#restore-file-password"), PASSWORD)
    found, element = restore_submitted(driver, nid, card)
    if found == "#error":
        raise AssertionError("his key file was refused: " + driver.text(element))
    h = driver.text(driver.find("#restore-h"))
    check(h.startswith("0x"), f"his key file restores his key and finds his H ({h})")
    logged_in_restored(driver, nid, h)
    bill_answered(driver, screenshot)


def web_checkin(patient, hospital, me, cli, relay, work, doctor, shots):
    """Steps 6 to 9 with the web page: her check-in code for the admitted hospital, drawn by the
    page; the hospital's reception (the command line, with the kiosk's provisioned key in
    WORK/kiosk) reads a picture of it, opens her visit and assigns it to the doctor, who writes
    her tests from the command line (her workstation in WORK/web-doctor); her records in the page
    list them written by the doctor at the hospital, and anchored in the hospital's batch; her
    Tests show the code for the hospital's lab, whose picture the lab (WORK/lab) reads."""
    picture = os.path.join(shots, "web-checkin.png")
    checkin_pictured(patient, hospital, picture)
    def caretrail(wallet, *args):
        done = subprocess.run(
            [cli, *args, "--relay", relay],
            env={**os.environ, "CARETRAIL_WALLET": os.path.join(work, wallet),
                 "CARETRAIL_PASSWORD": PASSWORD,
                 "CARETRAIL_ORGANIZATION_PASSWORD": WORKSTATION_PASSWORD},
            capture_output=True, text=True, timeout=120)
        check(done.returncode == 0, f"caretrail {args[0]} {args[1]} ({done.stderr.strip()[-300:]})")
        return done.stdout

    visit = json.loads(caretrail("kiosk", "reception", "open", "--image", picture, "--json"))
    check(visit["patient"].lower() == me.lower() and visit["organization"].lower() == hospital.lower(),
          f"reception reads a picture of her code and opens her visit at the hospital ({visit})")
    caretrail("kiosk", "hospital", "assign", "--visit-id", visit["visit_id"], "--staff", doctor,
              "--role", "doctor")
    caretrail("web-doctor", "doctor", "write", "--visit-id", visit["visit_id"],
              "--certificate", os.path.join(work, "web-doctor-certificate.json"),
              "--organization-wallet", os.path.join(work, "web-doctor", "organization"),
              "--medication", "Amoxicillin 500 mg capsule",
              "--dosage", "1 capsule 3 times a day for 7 days",
              "--test", "58410-2=Complete blood count")
    records_written_by(patient, ["MedicationRequest", "ServiceRequest"], doctor)
    patient.screenshot(os.path.join(shots, "web-results.png"))
    # Her Tests: the code for the hospital's lab, of which the lab (the command line, its
    # workstation in WORK/lab) reads a picture and fetches her test list.
    patient.click(patient.wait_for("#tab-tests")[1])
    _, show = patient.wait_for(".test-list .test-show", timeout=60)
    patient.click(show)
    picture = os.path.join(shots, "web-test-code.png")
    code_pictured(patient, ["#tests-screen .error"], "test-list code for the lab", picture)
    order = caretrail("lab", "lab", "fetch", "--image", picture,
                      "--certificate", os.path.join(work, "lab-certificate.json"),
                      "--organization-wallet", os.path.join(work, "lab", "organization"),
                      "--out", os.path.join(work, "web-order.json"), "--json")
    check("Complete blood count" in order, f"the lab reads her test list ({order.strip()[:160]})")


def results(patient, doctor, lab, app, doctor_address, shots, attachment):
    """The doctor writes, the patient sees U_P and T_D and shows the lab her test-list code, the
    lab reports, and she sees U_R: each written by whom, and anchored. Answers the records'
    ids."""
    doctor_writes(doctor, doctor_address)
    doctor.screenshot(os.path.join(shots, "app-doctor-orders.png"))
    written = records_written_by(patient, ["MedicationRequest", "ServiceRequest"], doctor_address)
    patient.screenshot(os.path.join(shots, "app-results.png"))
    patient.click(patient.wait_for("#tab-tests")[1])
    _, show = patient.wait_for(".test-list .test-show", timeout=60)
    patient.click(show)
    # The lab reads a picture of her screen.
    picture = os.path.join(shots, "app-test-code.png")
    code_pictured(patient, ["#tests-screen .error"], "test-list code for the lab", picture)

    lab.start({"alwaysMatch": {"tauri:options": {"application": app}}})
    lab_address = unlock(lab, "lab")
    answer = invoke(lab, "doctor_write", {})
    check("not allowed" in answer.get("refused", ""),
          f"the lab's window may not call the doctor's commands ({answer})")
    lab_reports(lab, picture, attachment)
    lab.screenshot(os.path.join(shots, "app-lab.png"))
    written.update(records_written_by(patient, ["DiagnosticReport"], lab_address))
    patient.screenshot(os.path.join(shots, "app-results-lab.png"))
    return written


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--driver", required=True, help="WebDriver URL")
    parser.add_argument("--app", help="desktop app binary (tauri-driver)")
    parser.add_argument("--page", help="web UI URL (chromedriver)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--tx", required=True, help="a published policy's transaction id")
    parser.add_argument("--expect-shell", required=True, choices=["desktop", "web"])
    parser.add_argument("--screenshot", required=True)
    parser.add_argument("--register", nargs=4, metavar=("NID", "CARD", "POLICY", "PHOTO"),
                        help="also register this citizen and log in as her")
    parser.add_argument("--records", nargs=2, metavar=("HOSPITAL", "FILE"),
                        help="then store FILE as her record and share it with HOSPITAL (an "
                             "admitted participant's address)")
    parser.add_argument("--recovery", nargs=2, metavar=("CLI", "RELAY"),
                        help="then propose a recovery of her registration with this command "
                             "line at this relay, and cancel it from the UI")
    parser.add_argument("--scan", nargs=2, metavar=("TEXT", "PICTURE"),
                        help="scan a picture of this code's text in \"Scan a code\" (and, in the "
                             "web page, the fake camera's video of it)")
    parser.add_argument("--fake-video", metavar="Y4M",
                        help="Chromium's fake camera plays this file")
    parser.add_argument("--visit", nargs=6,
                        metavar=("KIOSK_DRIVER", "DOCTOR_DRIVER", "LAB_DRIVER", "BILLING_DRIVER",
                                 "BAD_CODES", "ATTACHMENT"),
                        help="then check in at the --records hospital: the same app through these "
                             "four tauri-drivers (a reception kiosk's, a doctor's, a lab's and a "
                             "billing desk's device profiles), BAD_CODES the directory of the "
                             "pictures in BAD_CODES; the doctor writes, the lab reports with "
                             "ATTACHMENT, she sees the results, billing sends her bill, and she "
                             "sees the insurer's answer")
    parser.add_argument("--checkin", nargs=4, metavar=("CLI", "RELAY", "WORK", "DOCTOR"),
                        help="then show her check-in code for the --records hospital; with this "
                             "command line, the kiosk (WORK/kiosk) opens the visit from a picture "
                             "of it and assigns it to DOCTOR, who writes her orders (WORK/web-doctor)")
    parser.add_argument("--bills-of", nargs=3, metavar=("KEY_FILE", "NID", "CARD"),
                        help="web page: restore the desktop app's patient from his key file and "
                             "check his Bills show the bill the app's billing desk sent")
    parser.add_argument("--block", nargs=2, metavar=("LICENCE", "AUTHORITY_KEY"),
                        help="after the visit, the health authority blocks the hospital (this "
                             "licence) and the app's windows are refused its next steps")
    parser.add_argument("--big", metavar="FILE",
                        help="also store this large file, sampling the progress bar")
    args = parser.parse_args()

    if args.app:
        capabilities = {"alwaysMatch": {"tauri:options": {"application": args.app}}}
    else:
        capabilities = {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": args.chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--window-size=1000,900"]
            + ([f"--use-file-for-fake-video-capture={args.fake_video}",
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
               if args.fake_video else [])}}}

    driver = Driver(args.driver)
    driver.start(capabilities)
    try:
        if args.page:
            driver.s("/url", "POST", {"url": args.page})
        _, shell = driver.wait_for("#shell")
        check(driver.text(shell) == args.expect_shell, f"the UI rendered in the {args.expect_shell} shell")
        _, field = driver.wait_for("#tx-id")
        _, button = driver.wait_for("#show")

        driver.type_into(field, "0x1234")
        driver.click(button)
        _, error = driver.wait_for("#error")
        check("not a transaction id" in driver.text(error), "a malformed id gets a clear error")
        check(driver.s(f"/element/{field}/property/value") == "0x1234", "the typed id is kept")

        driver.type_into(field, args.tx)
        driver.click(button)
        found, _ = driver.wait_for("#verified", "#unverified", "#error")
        if found == "#error":
            raise AssertionError("the policy did not load: " + driver.text(driver.find("#error")))
        check(found == "#verified", "the published policy shows as verified")
        title = driver.text(driver.find("#policy-title"))
        check(title == "Meridian Gold Care 2026", f"the policy title is shown ({title})")
        check(driver.text(driver.find("#version")) == "1", "the version is shown")
        check("UTC" in driver.text(driver.find("#block-time")), "the block time is shown")
        time.sleep(1)
        check(driver.find("#verified") is not None, "the policy stays on screen")
        check(driver.s(f"/element/{field}/property/value") == args.tx, "the id stays in the field")
        driver.screenshot(args.screenshot)
        if args.expect_shell == "desktop":
            app_boundary(driver)
        else:
            deadline = time.time() + 10
            trusted = ""
            while "chain " not in trusted and time.time() < deadline:
                trusted = driver.text(driver.wait_for("#trusted-network")[1])
                time.sleep(0.25)
            check("trusts the relay it was served from" in trusted and "chain 31337" in trusted
                  and "patient registry 0x" in trusted,
                  f"the page shows the network it trusts ({trusted})")
        if args.scan:
            scan_a_code(driver, *args.scan, web=args.expect_shell == "web")
            driver.screenshot(args.screenshot.replace(".png", "-scan.png"))
            driver.click(driver.find("#tab-policy"))
        if args.register:
            web = args.expect_shell == "web"
            me, phrase, h = register_and_log_in(
                driver, *args.register,
                screenshot=args.screenshot.replace(".png", "-registration.png"), web=web)
            driver.screenshot(args.screenshot.replace(".png", "-login.png"))
            if args.recovery:
                cli, relay = args.recovery
                nid, card, _, photo = args.register
                recovery_refused(driver, cli, relay, nid, card, photo, h, web)
                driver.screenshot(args.screenshot.replace(".png", "-recovery.png"))
            if args.records:
                hospital, small = args.records
                record = my_records(driver, me, small, args.big, args.expect_shell == "desktop")
                driver.screenshot(args.screenshot.replace(".png", "-records.png"))
                who_can_read(driver, record, hospital)
                driver.screenshot(args.screenshot.replace(".png", "-readers.png"))
                access_log(driver, record)
                driver.screenshot(args.screenshot.replace(".png", "-log.png"))
            if args.visit and args.records:
                kiosk_url, doctor_url, lab_url, billing_url, bad_codes, attachment = args.visit
                kiosk, doctor, lab = Driver(kiosk_url), Driver(doctor_url), Driver(lab_url)
                billing = Driver(billing_url)
                shots = os.path.dirname(os.path.abspath(args.screenshot))
                try:
                    doctor_address, visit_id = visit(driver, kiosk, doctor, args.app, me,
                                                     args.records[0], bad_codes, shots)
                    written = results(driver, doctor, lab, args.app, doctor_address, shots,
                                      attachment)
                    bill_sent(billing, driver, args.app, visit_id, sorted(written.values()), shots)
                    cli, relay = args.recovery
                    app_refusals(kiosk, doctor, billing, me, args.records[0], doctor_address,
                                 visit_id, sorted(written.values()), cli, relay, bad_codes)
                    if args.block:
                        blocked_refusals(driver, kiosk, billing, me, args.records[0],
                                         doctor_address, visit_id, sorted(written.values()),
                                         cli, relay, *args.block)
                finally:
                    for staff in (kiosk, doctor, lab, billing):
                        staff.quit()
            if args.checkin and args.records:
                cli, relay, work, doctor = args.checkin
                web_checkin(driver, args.records[0], me, cli, relay, work, doctor,
                            os.path.dirname(os.path.abspath(args.screenshot)))
            if web:
                nid, card = args.register[0], args.register[1]
                backup_and_restore(driver, me, phrase, h, nid, card)
                driver.screenshot(args.screenshot.replace(".png", "-key.png"))
        if args.bills_of:
            restored_bills(driver, *args.bills_of, args.screenshot.replace(".png", "-bills.png"))
    finally:
        driver.quit()
    print("ui smoke: passed")


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, RuntimeError) as e:
        print(f"ui smoke: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
