"""Open both reports of a real small run in headless Chromium and check what a reader would see.

Chromium is driven through the DevTools protocol over a pipe
(``--remote-debugging-pipe``: JSON messages separated by NUL bytes on file
descriptors 3 and 4), so the test needs no network port and no package beyond
the standard library. Chromium starts with networking features off and a fresh
profile; the report must load nothing but itself.

Artefacts (screenshots, console log) go to tests/artefacts/, which git ignores.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from small_study import ARTEFACTS, run_small_study

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_NAMES = ("chromium", "chromium-browser")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--remote-debugging-pipe",
)
APT_TIMEOUT_SECONDS = 900
COMMAND_TIMEOUT_SECONDS = 60
WINDOW = {"width": 1280, "height": 900}

# Reads every <img>: whether it finished loading, decoded without error, and its natural size.
IMAGES_SCRIPT = """
(async () => {
  const images = [...document.images];
  const results = [];
  for (const image of images) {
    let decoded = true;
    try { await image.decode(); } catch (error) { decoded = false; }
    results.push({alt: image.alt, complete: image.complete, decoded: decoded,
                  width: image.naturalWidth, height: image.naturalHeight,
                  scheme: image.src.split(':')[0]});
  }
  return JSON.stringify(results);
})()
"""
LINK_SCRIPT = """
JSON.stringify((() => {
  const link = document.getElementById('language-switch');
  return link ? {href: link.href, language: link.hreflang, text: link.textContent.trim()} : null;
})())
"""


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def install_chromium() -> str:
    """Return Chromium's path, installing Debian's package first when it is missing (CI starts from a bare machine)."""
    found = find_chromium()
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.fail("Chromium is not installed and cannot be installed here; run: apt-get install -y --no-install-recommends chromium")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]):
        result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=APT_TIMEOUT_SECONDS, check=False)
        if result.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed with status {result.returncode}:\n{result.stderr[-2000:]}")
    found = find_chromium()
    if found is None:
        pytest.fail("apt-get installed chromium but no chromium executable is on PATH")
    return found


class Chromium:
    """A headless Chromium driven over the DevTools pipe, with one page attached.

    Events are kept in ``events`` as they arrive, so a test can read the
    console messages, exceptions, log entries and requests of a page load.
    """

    def __init__(self, executable: str, profile: Path, stderr_path: Path) -> None:
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()
        self._stderr = open(stderr_path, "wb")

        def connect_pipes() -> None:
            # Chromium reads commands on fd 3 and writes replies on fd 4. The copies keep a pipe alive when
            # its own number is 3 or 4; set_inheritable clears close-on-exec even when dup2 had nothing to do.
            read_copy, write_copy = os.dup(commands_read), os.dup(replies_write)
            os.dup2(read_copy, 3)
            os.dup2(write_copy, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={WINDOW['width']},{WINDOW['height']}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=self._stderr,
            stderr=self._stderr,
            preexec_fn=connect_pipes,
            close_fds=False,
        )
        os.close(commands_read)
        os.close(replies_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=self.session)
        self.send("Emulation.setDeviceMetricsOverride", {**WINDOW, "deviceScaleFactor": 1, "mobile": False}, session=self.session)

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium sent no complete DevTools message in time")
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise ConnectionError(f"Chromium closed the DevTools pipe (exit status {self.process.poll()})")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send one DevTools command and return its result; events that arrive meanwhile go to ``events``."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"DevTools command {method} failed: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for_event(self, method: str, start: int) -> dict:
        """Return the first event named ``method`` received after index ``start`` of ``events``."""
        deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
        while True:
            for event in self.events[start:]:
                if event["method"] == method:
                    return event
            start = len(self.events)
            reply = self._read_message(deadline)
            if "method" in reply:
                self.events.append(reply)

    def open(self, url: str) -> int:
        """Load ``url`` and wait until it is loaded; return the index in ``events`` where this load starts."""
        start = len(self.events)
        self.send("Page.navigate", {"url": url}, session=self.session)
        self.wait_for_page(url)
        return start

    def wait_for_page(self, url: str) -> None:
        """Wait until the page shows ``url`` and has finished loading.

        Polling the page itself, not waiting for a load event, keeps a late
        event from an earlier navigation from being taken for this one.
        """
        deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
        while True:
            state = self.evaluate("JSON.stringify({url: location.href, ready: document.readyState})")
            if state["url"] == url and state["ready"] == "complete":
                return
            if state["url"].startswith("chrome-error:"):
                raise FileNotFoundError(f"Chromium could not open {url} and shows its error page")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page did not finish loading {url}; it shows {state}")
            time.sleep(0.05)

    def evaluate(self, expression: str):
        """Evaluate ``expression`` in the page (awaiting a promise) and return its JSON-decoded string value."""
        result = self.send(
            "Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True}, session=self.session
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return json.loads(result["result"]["value"])

    def screenshot(self, path: Path, full_page: bool = False) -> None:
        params = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            metrics = self.send("Page.getLayoutMetrics", session=self.session)
            size = metrics["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 16000), "scale": 1}
        data = self.send("Page.captureScreenshot", params, session=self.session)["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (ConnectionError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._replies)
        self._stderr.close()


def page_problems(events: list[dict]) -> list[str]:
    """Return the console errors, uncaught exceptions, error log entries and failed requests among ``events``."""
    problems = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            problems.append(f"console.{params['type']}: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            problems.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            problems.append(f"log error: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        elif method == "Network.loadingFailed":
            problems.append(f"request failed: {params.get('errorText')}")
    return problems


def requested_urls(events: list[dict]) -> list[str]:
    return [event["params"]["request"]["url"] for event in events if event["method"] == "Network.requestWillBeSent"]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, run_workflow) -> dict[str, Path]:
    study = run_small_study(tmp_path_factory, run_workflow)
    return {language: study / "results" / "digits" / f"report.{language}.html" for language in ("en", "fr")}


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    executable = install_chromium()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp_path_factory.mktemp("chromium")))
    chromium = Chromium(executable, profile, ARTEFACTS / "chromium.stderr.log")
    yield chromium
    chromium.close()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_report_loads_cleanly(browser: Chromium, reports: dict[str, Path], language: str) -> None:
    start = browser.open(reports[language].as_uri())
    events = browser.events[start:]
    # One line per DevTools event, cut short because image requests carry whole data URIs.
    lines = [f"{event['method']}: {json.dumps(event.get('params', {}))[:300]}" for event in events]
    (ARTEFACTS / f"report.{language}.events.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    browser.screenshot(ARTEFACTS / f"report.{language}.png")
    browser.screenshot(ARTEFACTS / f"report.{language}.full.png", full_page=True)

    assert page_problems(events) == []
    foreign = [url for url in requested_urls(events) if not url.startswith(("file:", "data:"))]
    assert foreign == [], "the report must request nothing outside its own file"
    assert browser.evaluate("JSON.stringify(document.documentElement.lang)") == language


@pytest.mark.parametrize("language", ["en", "fr"])
def test_report_images_decode(browser: Chromium, reports: dict[str, Path], language: str) -> None:
    browser.open(reports[language].as_uri())
    images = browser.evaluate(IMAGES_SCRIPT)

    # Lab grid, one seed: 12 histograms, 4 shared-axes figures, 6 curves, 2 spread figures.
    assert len(images) >= 24
    for image in images:
        assert image["scheme"] == "data", image["alt"]
        assert image["complete"] and image["decoded"], image["alt"]
        assert image["width"] > 0 and image["height"] > 0, image["alt"]


@pytest.mark.parametrize(("language", "other"), [("en", "fr"), ("fr", "en")])
def test_language_link_opens_other_report(browser: Chromium, reports: dict[str, Path], language: str, other: str) -> None:
    browser.open(reports[language].as_uri())
    link = browser.evaluate(LINK_SCRIPT)
    assert link is not None, "the report has no #language-switch link"
    assert link["language"] == other
    assert link["href"] == reports[other].as_uri()

    browser.evaluate("document.getElementById('language-switch').click(), 'null'")
    browser.wait_for_page(reports[other].as_uri())
    assert browser.evaluate("JSON.stringify(document.documentElement.lang)") == other


def test_answers_visible_in_both_languages(browser: Chromium, reports: dict[str, Path]) -> None:
    counts = {}
    for language in ("en", "fr"):
        browser.open(reports[language].as_uri())
        counts[language] = browser.evaluate(
            "JSON.stringify([...document.querySelectorAll('article.answer')].filter(a => a.offsetHeight > 0).length)"
        )
    assert counts == {"en": 7, "fr": 7}


def test_checks_catch_broken_page(browser: Chromium, tmp_path: Path) -> None:
    # A page with the faults the checks above look for: a console error, a thrown exception, an undecodable image.
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html lang='en'><body>"
        "<img alt='broken' src='data:image/png;base64,AAAA'>"
        "<script>console.error('deliberate'); throw new Error('thrown');</script>"
        "</body></html>",
        encoding="utf-8",
    )
    start = browser.open(page.as_uri())
    problems = page_problems(browser.events[start:])
    assert any("deliberate" in problem for problem in problems)
    assert any("exception" in problem for problem in problems)
    images = browser.evaluate(IMAGES_SCRIPT)
    assert images[0]["decoded"] is False
    assert images[0]["width"] == 0
