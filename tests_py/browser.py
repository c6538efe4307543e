"""Headless Chromium driven over the DevTools protocol, standard library only.

Chromium is started with --remote-debugging-pipe: it reads commands from file descriptor 3
and writes replies and events to 4, each a JSON message ended by a NUL byte. That is enough
to open a page, wait for it, read the DOM through JavaScript, resize the viewport and take a
screenshot, with no driver binary and no Python package beyond the standard library. Name
lookups other than 127.0.0.1 fail (--host-resolver-rules), so a page cannot reach out.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]  # fmt: skip


def chromium_path() -> str:
    """Chromium's executable; outside CI a missing Chromium skips the test, saying why."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = (
            "chromium is not installed: pages are checked in a headless browser "
            "(Debian: apt-get install chromium; CI installs it)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        # `make test` promises to pass with Python and pip alone: say it, don't fail.
        pytest.skip(message)
    return path


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless Chromium with one page (tab) attached."""

    def __init__(self, profile_dir: Path, width: int = 1400, height: int = 1000) -> None:
        profile_dir.mkdir(parents=True, exist_ok=True)
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def descriptors() -> None:  # in the child, before exec: the pipe on fds 3 and 4
            # copies above 9 first: either end may itself be fd 3 or 4
            reading = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10)
            writing = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        command = [
            chromium_path(), *FLAGS, "--remote-debugging-pipe",
            f"--user-data-dir={profile_dir}", f"--window-size={width},{height}", "about:blank",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=(profile_dir / "chromium.log").open("wb"),
            preexec_fn=descriptors,
            close_fds=False,
            start_new_session=True,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._next_id = 0
        self._replies: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.events: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            self.call(f"{domain}.enable", session=True)
        self.resize(width, height)

    # -- protocol

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 65536)
            except OSError:
                break
            if not chunk:
                break
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        slot = self._replies.get(message["id"])
                    if slot is not None:
                        slot.put(message)
                else:
                    self.events.append(message)

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, session: bool = False,
        timeout: float = 60,
    ) -> dict[str, Any]:  # fmt: skip
        with self._lock:
            self._next_id += 1
            message_id = self._next_id
            slot: queue.Queue[dict[str, Any]] = queue.Queue()
            self._replies[message_id] = slot
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        try:
            reply = slot.get(timeout=timeout)
        except queue.Empty:
            raise BrowserError(f"{method}: no reply in {timeout} s") from None
        finally:
            with self._lock:
                self._replies.pop(message_id, None)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        return dict(reply.get("result", {}))

    # -- pages

    def resize(self, width: int, height: int, *, mobile: bool = False) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
            session=True,
        )

    def open(self, url: str) -> None:
        reply = self.call("Page.navigate", {"url": url}, session=True)
        if reply.get("errorText"):
            raise BrowserError(f"{url}: {reply['errorText']}")

    def evaluate(self, expression: str, *, timeout: float = 60) -> Any:
        """The value of a JavaScript expression (awaited when it is a promise)."""
        reply = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=True,
            timeout=timeout,
        )
        if "exceptionDetails" in reply:
            details = reply["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"JavaScript failed: {text}")
        return reply["result"].get("value")

    def wait_for(self, expression: str, *, timeout: float = 60, what: str = "") -> Any:
        """Polls a JavaScript expression until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                # a short wait per try: an evaluation sent while the page changes documents
                # may never be answered, and must not hold the whole timeout
                value = self.evaluate(expression, timeout=min(10.0, timeout))
                if value:
                    return value
            except BrowserError as error:  # the page may be between documents
                last_error = error
            time.sleep(0.25)
        raise BrowserError(f"timed out waiting for {what or expression} ({last_error})")

    def screenshot(self, path: Path, *, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            size = self.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
            )
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}
        data = self.call("Page.captureScreenshot", params, session=True)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def requested_urls(self) -> list[str]:
        """Every URL the page asked the network for since the browser started."""
        return [
            str(event["params"]["request"]["url"])
            for event in self.events
            if event.get("method") == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        with contextlib.suppress(BrowserError, OSError):
            self.call("Browser.close", timeout=10)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        for descriptor in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(descriptor)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
