#!/usr/bin/env python3
"""End-to-end test of the web client page in headless Chromium against a running server.

Two browsers (Alice, Bob) and one plain TCP client (Tcpuser) chat in room "lobby",
on a page whose stylesheet and script are files of their own under a Content-Security-Policy
without 'unsafe-inline': say fan-out in both directions, a direct message, member lists, nick and quit notices,
hostile text shown as text (no markup runs), the live /stats chart, and protocol v2: a
dropped connection that resumes its rooms with nothing missed or shown twice, and scrolling
up that pages back through a room's history.

Usage:
  python3 browser_test.py --http-url http://127.0.0.1:PORT/ --tcp-port PORT --screenshot OUT.png

Needs Selenium 4 and Debian's chromium and chromium-driver
(apt-get install -y chromium chromium-driver; pip install selenium).
Prints `browser test: N passed, 0 failed` as its last line and exits 0 on success; on a
failure it prints the step that failed and why, and exits 1.
"""

import argparse
import os
import socket
import sys
import time
import traceback
from urllib.parse import urlparse

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException, TimeoutException, WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError as error:  # pragma: no cover - environment problem, reported plainly
    print(f"browser test: cannot import selenium ({error}); pip install selenium")
    print("browser test: 0 passed, 1 failed")
    sys.exit(1)

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>window.pwned=1</script>"


class StepFailed(Exception):
    pass


class TcpClient:
    """A protocol v1 client on a plain socket: LF-terminated lines."""

    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self.buffer = b""
        self.seen = []

    def send(self, line):
        self.sock.sendall(line.encode("utf-8") + b"\n")

    def expect(self, wanted, what=None):
        """Read lines until one equals `wanted` (str) or satisfies it (callable)."""
        match = wanted if callable(wanted) else (lambda line: line == wanted)
        for index, line in enumerate(self.seen):
            if match(line):
                del self.seen[: index + 1]
                return line
        deadline = time.monotonic() + self.timeout
        while True:
            while b"\n" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\n", 1)
                line = raw.decode("utf-8", "replace").rstrip("\r")
                if match(line):
                    return line
                self.seen.append(line)
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            self.buffer += chunk
        raise StepFailed(f"TCP client never got {what or repr(wanted)}; it got {self.seen[-10:]!r}")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Browser:
    """One headless Chromium showing the page, with helpers for its elements."""

    def __init__(self, label, url, timeout):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800",
                    "--no-first-run", "--disable-extensions", "--disable-background-networking"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.label = label
        self.timeout = timeout
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(timeout * 3)
        self.driver.set_script_timeout(timeout)
        self.console = []  # every console entry so far: the driver hands each out once
        self.driver.get(url)

    def wait(self, condition, message, timeout=None):
        try:
            return WebDriverWait(self.driver, timeout or self.timeout, poll_frequency=0.1).until(
                lambda _: condition())
        except TimeoutException:
            raise StepFailed(f"{self.label}: {message} (errors shown: {self.errors()!r})") from None

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def text_of(self, css):
        return [e.get_attribute("textContent") for e in self.driver.find_elements(By.CSS_SELECTOR, css)]

    def errors(self):
        try:
            return self.text_of("#errors li")[-5:]
        except WebDriverException:
            return []

    def fill(self, element_id, text):
        field = self.driver.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(text)

    def click(self, element_id):
        self.driver.find_element(By.ID, element_id).click()

    def room_css(self, room):
        return f'#rooms [data-room="{room}"]'

    def messages(self, room, history=False):
        """(from, text) of every live .message in a room's view (with history: every one)."""
        return [tuple(pair) for pair in self.js(
            "const r = document.querySelector(arguments[0]);"
            "if (!r) return [];"
            "return [...r.querySelectorAll(arguments[1])].map(m => ["
            "  (m.querySelector('.from') || {}).textContent, (m.querySelector('.text') || {}).textContent]);",
            self.room_css(room), ".messages .message" if history else ".messages .message:not(.history)")]

    def members(self, room):
        return sorted(self.text_of(self.room_css(room) + " .members .member"))

    def wait_message(self, room, sender, text):
        self.wait(lambda: (sender, text) in self.messages(room),
                  f"never showed {sender}: {text!r} in {room}; it shows {self.messages(room)[-5:]!r}")

    def wait_members(self, room, names):
        self.wait(lambda: self.members(room) == sorted(names),
                  f"member list of {room} never became {sorted(names)}; it is {self.members(room)}")

    def register(self, name):
        self.wait(lambda: self.driver.find_element(By.ID, "state").text == "connected",
                  "the connection state never became 'connected' (is /chat a WebSocket?)")
        self.fill("name", name)
        self.click("register")
        self.wait(lambda: name in self.driver.find_element(By.ID, "me").text,
                  f"registering {name} never got its ack")

    def join(self, room):
        self.fill("join-room", room)
        self.click("join")
        self.wait(lambda: self.driver.find_elements(By.CSS_SELECTOR, self.room_css(room)),
                  f"joining {room} never showed its room view")

    def say(self, text):
        self.fill("say-text", text)
        self.click("say")

    def no_alert(self):
        try:
            alert = self.driver.switch_to.alert
            text = alert.text
            alert.dismiss()
        except NoAlertPresentException:
            return
        raise StepFailed(f"{self.label}: an alert is open ({text!r}): markup from a message ran")

    def console_entries(self):
        try:
            self.console.extend(self.driver.get_log("browser"))
        except WebDriverException:
            pass
        return self.console

    def script_errors(self):
        return [entry["message"] for entry in self.console_entries()
                if entry.get("level") == "SEVERE" and "Uncaught" in entry.get("message", "")]

    def policy_violations(self):
        return [entry["message"] for entry in self.console_entries()
                if "Content Security Policy" in entry.get("message", "")]

    def canvas_hash(self):
        return self.js(
            "const c = document.getElementById('stats-chart');"
            "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            "let h = 2166136261;"
            "for (let i = 0; i < d.length; i++) { h ^= d[i]; h = Math.imul(h, 16777619) >>> 0; }"
            "return h;")

    def samples(self):
        return self.js("return window.chatStats ? window.chatStats.samples : -1;")

    def quit(self):
        try:
            self.driver.quit()
        except Exception:
            pass


def main():
    parser = argparse.ArgumentParser(description="Browser test of the web client page.")
    parser.add_argument("--http-url", required=True, help="the page, e.g. http://127.0.0.1:8080/")
    parser.add_argument("--tcp-port", required=True, type=int, help="the server's protocol v1 TCP port")
    parser.add_argument("--tcp-host", default=None, help="defaults to the host of --http-url")
    parser.add_argument("--screenshot", required=True, help="where to write a PNG of Alice's browser")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds for each wait")
    args = parser.parse_args()
    tcp_host = args.tcp_host or urlparse(args.http_url).hostname or "127.0.0.1"

    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(path):
            print(f"FAIL setup: {path} is missing (apt-get install -y chromium chromium-driver)")
            print("browser test: 0 passed, 1 failed")
            return 1

    passed = 0
    state = {"alice": None, "bob": None, "tcp": None}

    def step(name, action):
        nonlocal passed
        try:
            action()
        except Exception as error:
            if isinstance(error, StepFailed):
                print(f"FAIL {name}: {error}", flush=True)
            elif isinstance(error, WebDriverException):
                first = (error.msg or "").strip().splitlines()[:1]
                print(f"FAIL {name}: {type(error).__name__}: {first[0] if first else error!r}", flush=True)
            else:
                print(f"FAIL {name}: {error!r}", flush=True)
                traceback.print_exc()
                sys.stderr.flush()
            alice = state["alice"]
            if alice is not None:
                for line in alice.script_errors():
                    print(f"  Alice's page logged: {line}")
                try:
                    base, ext = os.path.splitext(args.screenshot)
                    alice.driver.save_screenshot(base + "-failure" + (ext or ".png"))
                except Exception:
                    pass
            for key in ("alice", "bob"):
                if state[key] is not None:
                    state[key].quit()
            if state["tcp"] is not None:
                state["tcp"].close()
            print(f"browser test: {passed} passed, 1 failed")
            sys.exit(1)
        passed += 1
        print(f"ok {passed} - {name}", flush=True)

    # a. Two browsers and a TCP client in "lobby".
    def open_alice():
        state["alice"] = Browser("Alice", args.http_url, args.timeout)
        state["alice"].register("Alice")
        state["alice"].join("lobby")
        state["alice"].wait_members("lobby", ["Alice"])

    def open_bob():
        state["bob"] = Browser("Bob", args.http_url, args.timeout)
        state["bob"].register("Bob")
        state["bob"].join("lobby")
        state["bob"].wait_members("lobby", ["Alice", "Bob"])

    def open_tcp():
        tcp = state["tcp"] = TcpClient(tcp_host, args.tcp_port, args.timeout)
        tcp.send("register,Tcpuser")
        tcp.expect("ack,Tcpuser")
        tcp.send("join,lobby")
        tcp.expect(lambda line: line.startswith("joined,lobby,"), "joined,lobby,<members>")

    step("a. Alice registers in browser A and joins lobby", open_alice)
    step("a. Bob registers in browser B and joins lobby", open_bob)
    step("a. Tcpuser registers over TCP and joins lobby", open_tcp)
    alice, bob, tcp = state["alice"], state["bob"], state["tcp"]

    # The page's files: its own stylesheet and script, nothing inline, and a policy that says so.
    def page_files():
        policy = alice.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(location.href, {cache: 'no-store'}).then(r => done(r.headers.get('content-security-policy')),"
            "                                            e => done('fetch failed: ' + e));")
        if not policy or "script-src 'self'" not in policy or "style-src 'self'" not in policy:
            raise StepFailed(f"the page's Content-Security-Policy is {policy!r}: no script-src and style-src 'self'")
        if "unsafe-inline" in policy:
            raise StepFailed(f"the page's Content-Security-Policy allows inline code: {policy!r}")
        for browser in (alice, bob):
            files = browser.js(
                "return {scripts: [...document.scripts].map(s => new URL(s.src || 'inline:', location.href).pathname),"
                "  sheets: [...document.styleSheets].map(s => s.href ? new URL(s.href).pathname : 'inline'),"
                "  inline: document.querySelectorAll('style, [style]').length"
                "    + [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,"
                "  grid: getComputedStyle(document.querySelector('main')).display};")
            if files["scripts"] != ["/client.js"] or files["sheets"] != ["/client.css"] or files["inline"]:
                raise StepFailed(f"{browser.label}: the page should load /client.js and /client.css and nothing inline: {files!r}")
            if files["grid"] != "grid":
                raise StepFailed(f"{browser.label}: /client.css is not applied (main is display: {files['grid']})")
            violations = browser.policy_violations()
            if violations:
                raise StepFailed(f"{browser.label}: the page broke its Content-Security-Policy: {violations}")

    step("a. the page runs from /client.css and /client.js under a policy without 'unsafe-inline'", page_files)

    # b. Conversation across the two transports.
    def alice_says():
        alice.say("hello from alice")
        alice.wait_message("lobby", "Alice", "hello from alice")  # her own, echoed with its id (protocol v2)
        bob.wait_message("lobby", "Alice", "hello from alice")
        tcp.expect("say,lobby,Alice,hello from alice")

    def tcp_says():
        tcp.send("say,lobby,hello from tcp")
        tcp.send("say,lobby,commas, kept, in text")
        for browser in (alice, bob):
            browser.wait_message("lobby", "Tcpuser", "hello from tcp")
            browser.wait_message("lobby", "Tcpuser", "commas, kept, in text")

    def bob_direct():
        bob.fill("dm-to", "Tcpuser")
        bob.fill("dm-text", "psst, tcp")
        bob.click("dm")
        tcp.expect("chat,Bob,psst, tcp")
        tcp.send("chat,Alice,hi alice, from tcp")
        alice.wait(lambda: ["Tcpuser", "hi alice, from tcp"] in alice.js(
            "return [...document.querySelectorAll('#direct .message')].map(m => "
            "[m.querySelector('.from').textContent, m.querySelector('.text').textContent]);"),
            "the direct message from Tcpuser never showed in #direct")

    def no_such_user():
        bob.fill("dm-to", "Nobody")
        bob.fill("dm-text", "anyone there?")
        bob.click("dm")
        bob.wait(lambda: any("Nobody" in e for e in bob.errors()), "error,no-such-user,Nobody was never shown in #errors")

    def members():
        for browser in (alice, bob):
            browser.wait_members("lobby", ["Alice", "Bob", "Tcpuser"])

    step("b. Alice's say reaches Bob and the TCP client", alice_says)
    step("b. the TCP client's says reach both browsers, commas kept", tcp_says)
    step("b. Bob's direct message reaches Tcpuser, and Tcpuser's reaches Alice", bob_direct)
    step("b. a direct message to nobody shows an error", no_such_user)
    step("b. both member lists show Alice, Bob, Tcpuser", members)

    # c. Hostile text is shown as text.
    def xss():
        tcp.send("say,lobby," + XSS_IMG)
        tcp.send("say,lobby," + XSS_SCRIPT)
        tcp.send("chat,Alice," + XSS_IMG)
        for browser in (alice, bob):
            browser.no_alert()
            browser.wait_message("lobby", "Tcpuser", XSS_IMG)
            browser.wait_message("lobby", "Tcpuser", XSS_SCRIPT)
        alice.wait(lambda: XSS_IMG in alice.text_of("#direct .message .text"), "the hostile direct message never showed as text")
        for browser in (alice, bob):
            browser.no_alert()
            found = browser.js("return document.querySelectorAll('#rooms img, #rooms script, #direct img, #direct script').length;")
            if found:
                raise StepFailed(f"{browser.label}: {found} <img>/<script> elements inside #rooms or #direct")
            if browser.js("return typeof window.pwned;") != "undefined":
                raise StepFailed(f"{browser.label}: window.pwned is set: a script from a message ran")
            errors = browser.script_errors()
            if errors:
                raise StepFailed(f"{browser.label}: the page logged script errors: {errors}")

    step("c. <img onerror> and <script> in messages are shown as text and never run", xss)

    # d. The /stats chart moves.
    def chart():
        first = alice.samples()
        if first < 0:
            raise StepFailed("window.chatStats is missing")
        alice.wait(lambda: alice.samples() >= first + 2,
                   f"window.chatStats.samples never grew by 2 from {first} (is /stats an event stream?)",
                   timeout=max(args.timeout, 10))
        last = alice.js("return window.chatStats.last;")
        for field in ("connections", "users", "rooms", "delivered_per_s", "commands_per_s", "loop_lag_ms"):
            if not isinstance((last or {}).get(field), (int, float)):
                raise StepFailed(f"window.chatStats.last has no number {field}: {last!r}")
        if last["connections"] < 1:
            raise StepFailed(f"/stats says {last['connections']} connections while clients are connected")
        alice.wait(lambda: alice.js(
            "const last = window.chatStats.last, dd = [...document.querySelectorAll('#stats dd')];"
            "return dd.length >= 6 && dd.some(d => d.textContent === String(last.users));"),
            "#stats never showed the figures of the last event as text")
        before_samples, before = alice.samples(), alice.canvas_hash()
        alice.wait(lambda: alice.samples() > before_samples and alice.canvas_hash() != before,
                   "the #stats-chart canvas did not change between two samples", timeout=max(args.timeout, 10))

    step("d. the stats figures arrive and the chart redraws", chart)

    # Nick and quit notices keep the member lists current.
    def nick_and_quit():
        bob.fill("nick-name", "Bobby")
        bob.click("nick")
        bob.wait(lambda: "Bobby" in bob.driver.find_element(By.ID, "me").text, "nick,Bobby never got its ack")
        tcp.expect("nick,Bob,Bobby")
        alice.wait_members("lobby", ["Alice", "Bobby", "Tcpuser"])
        bob.wait_members("lobby", ["Alice", "Bobby", "Tcpuser"])
        tcp.send("quit,see you")
        tcp.expect("bye,quit")
        alice.wait_members("lobby", ["Alice", "Bobby"])
        bob.wait_members("lobby", ["Alice", "Bobby"])

    step("nick and quit update the member lists", nick_and_quit)


    # e. A screenshot of a lively page.
    def screenshot():
        alice.say("bye for now, see you all")
        bob.wait_message("lobby", "Alice", "bye for now, see you all")
        folder = os.path.dirname(os.path.abspath(args.screenshot))
        os.makedirs(folder, exist_ok=True)
        if not alice.driver.save_screenshot(args.screenshot) or os.path.getsize(args.screenshot) == 0:
            raise StepFailed(f"could not write {args.screenshot}")

    step("e. screenshot of Alice's browser", screenshot)

    def all_messages(browser, room):
        return browser.messages(room, history=True)

    def open_tcp2():
        tcp2 = state["tcp"] = TcpClient(tcp_host, args.tcp_port, args.timeout)
        tcp2.send("register,Tcptwo")
        tcp2.expect("ack,Tcptwo")
        tcp2.send("join,lobby")
        tcp2.expect(lambda line: line.startswith("joined,lobby,"), "joined,lobby,<members>")

    # f. Protocol v2: a dropped connection resumes each room with nothing missed or twice.
    def resume():
        tcp2 = state["tcp"]
        tcp2.send("ping,before-drop")
        tcp2.expect(lambda line: line == "pong,before-drop", "pong,before-drop")
        before = all_messages(alice, "lobby")
        alice.js("window.chatClient.drop();")
        for n in range(1, 6):
            tcp2.send(f"say,lobby,while away {n}")
        for n in range(1, 6):
            alice.wait_message("lobby", "Tcptwo", f"while away {n}")
        alice.wait(lambda: any("Rejoined lobby" in t for t in alice.text_of(alice.room_css("lobby") + " .event")),
                   "the room was never rejoined")
        shown = all_messages(alice, "lobby")
        twice = sorted({m for m in shown if shown.count(m) > 1})
        if twice:
            raise StepFailed(f"after the resume these show twice: {twice}")
        if shown[:len(before)] != before or shown[len(before):] != [("Tcptwo", f"while away {n}") for n in range(1, 6)]:
            raise StepFailed(f"after the resume the room shows {shown[-8:]!r}, not what it showed then the 5 missed")

    # g. Scrolling up pages back through a room's history, oldest first, each message once.
    def paging():
        tcp2 = state["tcp"]
        tcp2.send("join,archive")
        tcp2.expect(lambda line: line.startswith("joined,archive,"), "joined,archive,<members>")
        for n in range(1, 121):
            tcp2.send(f"say,archive,old {n}")
        tcp2.send("ping,said")
        tcp2.expect(lambda line: line == "pong,said", "pong,said")
        alice.join("archive")
        alice.wait(lambda: len(all_messages(alice, "archive")) == 10, "joining archive did not show its last 10 messages")
        alice.wait(lambda: (alice.js(
            "const m = document.querySelector(arguments[0] + ' .messages'); m.scrollTop = 0;"
            "m.dispatchEvent(new Event('scroll')); return true;", alice.room_css("archive"))
            and len(all_messages(alice, "archive")) == 120
            and any("Start of the history" in t for t in alice.text_of(alice.room_css("archive") + " .event"))),
            f"scrolling up never showed all 120 messages of archive and its start; it shows {len(all_messages(alice, 'archive'))}")
        shown = [text for _, text in all_messages(alice, "archive")]
        if shown != [f"old {n}" for n in range(1, 121)]:
            raise StepFailed(f"archive's messages are not old 1 to old 120 in order, each once: {shown[:5]}...{shown[-5:]}")
        tcp2.send("quit")
        tcp2.expect("bye,quit")

    step("f. Tcptwo registers over TCP and joins lobby", open_tcp2)
    step("f. a dropped connection resumes lobby: the 5 missed messages, nothing twice", resume)
    step("g. scrolling up pages back through 120 messages of archive, in order, each once", paging)

    # A deliberate quit: bye,quit, no reconnecting, "connect again" offered.
    def quit_button():
        bob.click("quit")
        bob.wait(lambda: bob.driver.find_element(By.ID, "state").text == "disconnected",
                 "after Quit the state never became 'disconnected'")
        bob.wait(lambda: bob.driver.find_element(By.ID, "reconnect").is_displayed(), "no 'connect again' after Quit")
        alice.wait_members("lobby", ["Alice"])

    step("Quit disconnects without reconnecting", quit_button)

    alice.quit()
    bob.quit()
    tcp.close()
    print(f"browser test: {passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
