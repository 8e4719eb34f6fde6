#!/usr/bin/env python3
"""Drives the Caretrail UI through WebDriver, as a user would: the desktop app through
tauri-driver, or the web page through chromedriver. It checks that the UI rendered, that a
malformed transaction id gets a clear error (and the input is kept), and that a published policy
shows with its "verified" mark. Standard library only."""

import argparse
import base64
import http.client
import json
import sys
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
        found = self.s("/elements", "POST", {"using": CSS, "value": selector})
        return found[0][next(iter(found[0]))] if found else None

    def wait_for(self, *selectors, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for selector in selectors:
                element = self.find(selector)
                if element:
                    return selector, element
            time.sleep(0.25)
        raise RuntimeError(f"none of {selectors} appeared within {timeout}s")

    def text(self, element):
        return self.s(f"/element/{element}/text")

    def type_into(self, element, text):
        self.s(f"/element/{element}/clear", "POST", {})
        self.s(f"/element/{element}/value", "POST", {"text": text})

    def click(self, element):
        self.s(f"/element/{element}/click", "POST", {})

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


def register_and_log_in(driver, nid, card, policy, photo, screenshot):
    """Registers a sandbox citizen through the registration screen, then logs in as her."""
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
    driver.screenshot(screenshot)

    driver.click(driver.find("#tab-login"))
    _, h_field = driver.wait_for("#login-h")
    deadline = time.time() + 10
    while driver.s(f"/element/{h_field}/property/value") != h and time.time() < deadline:
        time.sleep(0.25)
    check(driver.s(f"/element/{h_field}/property/value") == h, "the login form knows her H")
    check(driver.s(f"/element/{driver.find('#login-id')}/property/value") == nid,
          "and her ID")
    driver.type_into(driver.find("#login-password"), "not her password")
    driver.click(driver.find("#login-submit"))
    _, error = driver.wait_for("#error", timeout=30)
    check("wrong password" in driver.text(error), "a wrong password is refused plainly")
    driver.type_into(driver.find("#login-password"), PASSWORD)
    driver.click(driver.find("#login-submit"))
    found, element = driver.wait_for("#login-done", timeout=30)
    check("Logged in" in driver.text(element), "she logs in")


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
    args = parser.parse_args()

    if args.app:
        capabilities = {"alwaysMatch": {"tauri:options": {"application": args.app}}}
    else:
        capabilities = {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": args.chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--window-size=1000,900"]}}}

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
        if args.register:
            register_and_log_in(driver, *args.register,
                                screenshot=args.screenshot.replace(".png", "-registration.png"))
            driver.screenshot(args.screenshot.replace(".png", "-login.png"))
    finally:
        driver.quit()
    print("ui smoke: passed")


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, RuntimeError) as e:
        print(f"ui smoke: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
