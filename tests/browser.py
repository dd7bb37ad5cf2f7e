"""A small headless Chromium driver over the DevTools protocol, for the report tests.

Why CDP and not ``--dump-dom``: the tests need the console errors, the
exceptions, every network request and JavaScript globals of a loaded page,
and a screenshot; ``--dump-dom`` gives only the final DOM. Chromium picks a
free debugging port itself (``--remote-debugging-port=0``) and writes it to
``DevToolsActivePort`` in its profile folder, so parallel runs never clash.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket  # websocket-client

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-port=0",
    # No --allow-file-access-from-files: the pages must work from file:// as a reader's browser opens them.
    "--remote-allow-origins=*",
]
"""Chromium flags: headless, no network chatter of its own, a free debugging port."""


def chromium_path() -> str:
    """The Chromium binary; the Makefile's ``browser`` target installs Debian's."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("chromium not found: run `make browser` (apt-get install chromium)")


@dataclass
class PageLoad:
    """What happened while one page loaded."""

    url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


class Browser:
    """One headless Chromium with one tab, driven over CDP. Use as a context manager."""

    def __init__(self, width: int = 1280, height: int = 900, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
        self.proc = subprocess.Popen(
            [
                chromium_path(),
                *FLAGS,
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port = self._port()
        pages = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = next(p for p in pages if p.get("type") == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=timeout, suppress_origin=True)
        self._id = 0
        self._events: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def _port(self) -> int:
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.proc.returncode}")
            if marker.exists() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            time.sleep(0.05)
        raise TimeoutError("chromium did not open its debugging port")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one CDP command and return its result; events seen meanwhile are kept."""
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self._events.append(message)

    def _wait_for(self, method: str) -> None:
        deadline = time.monotonic() + self.timeout
        while not any(e.get("method") == method for e in self._events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} within {self.timeout}s")
            self._events.append(json.loads(self.ws.recv()))

    def load(self, path: Path, settle: float = 0.25) -> PageLoad:
        """Open ``path`` (file://), wait for the load event, return errors and requests."""
        url = path.resolve().as_uri()
        self._events.clear()
        self.call("Page.navigate", url=url)
        return self._loaded(url, settle)

    def click(self, selector: str, settle: float = 0.25) -> PageLoad:
        """Click the first element matching ``selector`` (a link), wait for the page it opens, as :meth:`load`."""
        self._events.clear()
        href = self.evaluate(
            f"(function(a){{a.click(); return a.href;}})(document.querySelector({json.dumps(selector)}))"
        )
        return self._loaded(str(href), settle)

    def _loaded(self, url: str, settle: float) -> PageLoad:
        self._wait_for("Page.loadEventFired")
        time.sleep(settle)  # plotly draws after load; give late console errors time to arrive
        self.evaluate("1")  # drains events queued meanwhile
        result = PageLoad(url=url)
        for event in self._events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                result.errors.append(
                    f"exception: {details.get('exception', {}).get('description') or details.get('text')}"
                )
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                result.errors.append(
                    "console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                )
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                result.errors.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
            elif method == "Network.requestWillBeSent":
                result.requests.append(params["request"]["url"])
            elif method == "Network.loadingFailed":
                result.errors.append(f"failed: {params.get('errorText')}")
        return result

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its (JSON) value."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, target: Path, full_page: bool = False) -> None:
        """Write a PNG of the current page (optionally the whole scroll height)."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params.update(
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
            )
        target.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", **params)["data"]))

    def close(self) -> None:
        """Stop Chromium and remove its profile."""
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":  # python tests/browser.py PAGE [SHOT.png [HEIGHT|full]]
    import sys

    height = sys.argv[3] if len(sys.argv) > 3 else "1500"
    with Browser(height=900 if height == "full" else int(height)) as browser:
        loaded = browser.load(Path(sys.argv[1]), settle=1.0)
        print(json.dumps({"errors": loaded.errors, "requests": loaded.requests}, indent=1))
        if len(sys.argv) > 2:
            browser.screenshot(Path(sys.argv[2]), full_page=height == "full")
    os._exit(0)
