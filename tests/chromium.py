"""Headless Chromium for tests, driven over the Chrome DevTools Protocol with ``websockets`` (in the lock);
no playwright or selenium. Records what a page does: console errors, uncaught exceptions, log errors, every
request it makes and every dialog (alert, confirm, prompt) it opens."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

CHROMIUM = shutil.which("chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--remote-debugging-port=0",
)
START_TIMEOUT_S = 30.0
COMMAND_TIMEOUT_S = 30.0


class BrowserError(RuntimeError):
    pass


@dataclass
class PageLog:
    """What the page did since it was opened."""

    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    log_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [*self.console_errors, *self.exceptions, *self.log_errors, *self.dialogs]


class Browser:
    """One headless Chromium with one page (tab); use as a context manager."""

    def __init__(self, profile_dir: Path, width: int = 1280, height: int = 900) -> None:
        if CHROMIUM is None:
            raise BrowserError("chromium is not installed")
        self.profile_dir = profile_dir
        self.size = (width, height)
        self.log = PageLog()
        self._ids = itertools.count(1)
        self._events: list[dict[str, Any]] = []
        self._process: subprocess.Popen | None = None
        self._ws: ClientConnection | None = None
        self._session: str | None = None

    def __enter__(self) -> Browser:
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={self.profile_dir}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self._ws = connect(self._endpoint(), max_size=None, open_timeout=START_TIMEOUT_S)
            target = self._send("Target.createTarget", url="about:blank")["targetId"]
            self._session = self._send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.send(f"{domain}.enable")
            width, height = self.size
            self.send(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._ws is not None:
            # the browser may close the connection before it answers; the process is waited for below
            with contextlib.suppress(BrowserError, ConnectionClosed, OSError):
                self._send("Browser.close")
            self._ws.close()
        if self._process is not None:
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)

    def _endpoint(self) -> str:
        """The browser's websocket URL, from the DevToolsActivePort file Chromium writes when it listens."""
        port_file = self.profile_dir / "DevToolsActivePort"
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise BrowserError(f"chromium exited with {self._process.returncode} before listening")
            lines = port_file.read_text().split() if port_file.exists() else []
            if len(lines) >= 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
            time.sleep(0.05)
        raise BrowserError(f"chromium wrote no {port_file} within {START_TIMEOUT_S} s")

    # -- protocol --------------------------------------------------------------------------------------

    def _send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        assert self._ws is not None
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self._ws.send(json.dumps(message))
        deadline = time.monotonic() + COMMAND_TIMEOUT_S
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """A command to the page's session; events that arrive meanwhile are recorded."""
        return self._send(method, self._session, **params)

    def _receive(self, deadline: float) -> dict[str, Any]:
        assert self._ws is not None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BrowserError("no answer from chromium in time")
        try:
            message = json.loads(self._ws.recv(timeout=remaining))
        except TimeoutError as error:
            raise BrowserError("no answer from chromium in time") from error
        if "method" in message:
            self._record(message)
        return message

    def _record(self, event: dict[str, Any]) -> None:
        self._events.append(event)
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
            self.log.console_errors.append(
                " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            )
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.log.exceptions.append(
                str(details.get("exception", {}).get("description") or details.get("text"))
            )
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.log.log_errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}")
        elif method == "Network.requestWillBeSent":
            self.log.requests.append(params["request"]["url"])
        elif method == "Page.javascriptDialogOpening":
            self.log.dialogs.append(f"{params.get('type')}: {params.get('message')}")
            # answer it at once, or the page stays blocked; the reply is read by whoever waits next
            assert self._ws is not None
            self._ws.send(
                json.dumps(
                    {
                        "id": next(self._ids),
                        "method": "Page.handleJavaScriptDialog",
                        "params": {"accept": False},
                        "sessionId": self._session,
                    }
                )
            )

    def _wait_for(self, method: str, timeout: float = COMMAND_TIMEOUT_S) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for index, event in enumerate(self._events):
                if event["method"] == method:
                    return self._events.pop(index)
            self._receive(deadline)

    # -- page ------------------------------------------------------------------------------------------

    def open(self, url: str) -> None:
        """Navigate and wait for the load event."""
        self._events.clear()
        result = self.send("Page.navigate", url=url)
        if result.get("errorText"):
            raise BrowserError(f"{url}: {result['errorText']}")
        self._wait_for("Page.loadEventFired")
        self.evaluate("new Promise(resolve => requestAnimationFrame(() => resolve(true)))")

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page (promises awaited)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:80]}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def screenshot(self, selector: str, path: Path) -> Path:
        """A PNG of the element ``selector`` (the whole element, beyond the viewport if need be)."""
        box = self.evaluate(
            "(() => { const r = document.querySelector(" + json.dumps(selector) + ").getBoundingClientRect();"
            " return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}; })()"
        )
        shot = self.send(
            "Page.captureScreenshot",
            format="png",
            clip={**box, "scale": 1},
            captureBeyondViewport=True,
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path
