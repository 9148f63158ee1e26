"""A loopback HTTP server that serves a folder like the recorded mirror (the same URL -> file rule as
``inventory.mirror``) and misbehaves on demand, per path prefix, for a given number of requests:

    with fault_server(mirror_root / "cordis.europa.eu") as server:
        server.set_fault("/data/cordis-h2020projects-json.zip", "http_503", times=2, retry_after="1")
        ...  # the first two requests get a 503, the third the file
        assert server.hits("/data/") == 3

``fault_mirror(root)`` serves every host folder of a mirror on its own faulty server (``mirror_urls`` turns
it into the environment the flow reads), so a flow-level test can break one source and watch the run.

Faults (``FAULTS``): ``http_500``, ``http_503`` and ``http_429`` (option ``retry_after``: the Retry-After
header), ``reset`` (the connection is reset before any answer), ``timeout`` (no answer for ``delay_s``, then
the file), ``drip`` (the file in pieces of ``chunk`` bytes, ``delay_s`` apart), ``truncated`` (Content-Length
of the whole file, half the body, then the connection closes), ``truncated_zip`` (a well-formed answer holding
the first half of the file), ``wrong_member`` (a valid zip holding only ``readme.txt``), ``html`` (a 200
maintenance page where data was expected), ``json`` (a 200 JSON error where a page was expected), ``empty``
(200 with no body), ``redirect_loop`` (302 to the same URL, forever) and ``redirect`` (302 to ``location``).
Every answer is constructed here; the files served are the recorded ones."""

from __future__ import annotations

import io
import socket
import struct
import threading
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from inventory.mirror import RECORDED_MIRROR, MirrorHandler, source_urls

FAULTS = frozenset(
    {
        "http_500",
        "http_503",
        "http_429",
        "reset",
        "timeout",
        "drip",
        "truncated",
        "truncated_zip",
        "wrong_member",
        "html",
        "json",
        "empty",
        "redirect_loop",
        "redirect",
    }
)
MAINTENANCE_PAGE = (
    b"<!DOCTYPE html><html lang='en'><head><title>Maintenance</title></head>"
    b"<body><h1>We will be back soon</h1><p>The service is down for maintenance.</p></body></html>"
)
JSON_ERROR = b'{"error": "maintenance", "status": 503}'
PLACEHOLDER = b"constructed placeholder body for a path the folder does not hold\n" * 64


@dataclass
class Fault:
    kind: str
    remaining: int | None  # requests still to answer with the fault; None: every request
    options: dict[str, Any] = field(default_factory=dict)


class FaultServer:
    """One loopback server over ``folder`` (or over nothing: every path is then a placeholder body).

    ``requests`` lists every request path (with its query) in arrival order; ``hits(prefix)`` counts those
    that start with ``prefix``."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self.requests: list[str] = []
        self._faults: dict[str, Fault] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        handler = type("FaultHandler", (_FaultHandler,), {"fault_server": self})
        directory = str(folder) if folder is not None else str(Path.cwd() / ".no-such-folder")
        self._httpd = _QuietServer(("127.0.0.1", 0), lambda *a: handler(*a, directory=directory))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def url(self, path: str) -> str:
        return self.base_url + path

    def set_fault(self, path_prefix: str, fault: str, times: int | None = None, **options: Any) -> None:
        """Answer the next ``times`` requests whose path starts with ``path_prefix`` (None: all of them)
        with ``fault``; afterwards the folder is served again. The longest matching prefix wins."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {sorted(FAULTS)}")
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1 (or None for always), got {times}")
        with self._lock:
            self._faults[path_prefix] = Fault(fault, times, options)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def hits(self, path_prefix: str = "/") -> int:
        with self._lock:
            return sum(1 for path in self.requests if path.startswith(path_prefix))

    def _take(self, path: str) -> Fault | None:
        """Log the request; the fault it gets, if any (its count goes down by one)."""
        with self._lock:
            self.requests.append(path)
            matches = [prefix for prefix in self._faults if path.startswith(prefix)]
            if not matches:
                return None
            prefix = max(matches, key=len)
            fault = self._faults[prefix]
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining == 0:
                    del self._faults[prefix]
            return fault


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler sleeping through a "timeout" must not hold up the shutdown

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout, reset) breaks the pipe mid-answer: expected here, not news."""


class _FaultHandler(MirrorHandler):
    fault_server: FaultServer

    def do_GET(self) -> None:
        fault = self.fault_server._take(self.path)
        if fault is None:
            super().do_GET()
            return
        getattr(self, f"_fault_{fault.kind}")(**fault.options)

    # --- what a fault sends ---------------------------------------------------------------------------

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _file_body(self) -> tuple[bytes, str]:
        """What the folder serves at this path (bytes and Content-Type), a placeholder when nothing."""
        path = Path(self.translate_path(self.path))
        if path.is_file():
            return path.read_bytes(), self.guess_type(str(path))
        return PLACEHOLDER, "application/octet-stream"

    def _fault_http_500(self) -> None:
        self._answer(500, b"internal server error", {"Content-Type": "text/plain"})

    def _fault_http_503(self, retry_after: str | None = None) -> None:
        headers = {"Content-Type": "text/plain", **({"Retry-After": retry_after} if retry_after else {})}
        self._answer(503, b"service unavailable", headers)

    def _fault_http_429(self, retry_after: str | None = None) -> None:
        headers = {"Content-Type": "text/plain", **({"Retry-After": retry_after} if retry_after else {})}
        self._answer(429, b"too many requests", headers)

    def _fault_reset(self) -> None:
        # SO_LINGER with a zero timeout: close() sends RST instead of FIN, before any byte of an answer
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _fault_timeout(self, delay_s: float = 2.0) -> None:
        if self.fault_server.stopping.wait(delay_s):
            return
        body, content_type = self._file_body()
        self._answer(200, body, {"Content-Type": content_type})

    def _fault_drip(self, delay_s: float = 0.05, chunk: int = 16384) -> None:
        body, content_type = self._file_body()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for start in range(0, len(body), chunk):
            if start and self.fault_server.stopping.wait(delay_s):
                return
            self.wfile.write(body[start : start + chunk])
            self.wfile.flush()

    def _fault_truncated(self) -> None:
        body, content_type = self._file_body()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True

    def _fault_truncated_zip(self) -> None:
        body, _ = self._file_body()
        self._answer(200, body[: len(body) // 2], {"Content-Type": "application/zip"})

    def _fault_wrong_member(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("readme.txt", "constructed: a zip that is not the dump you asked for\n")
        self._answer(200, buffer.getvalue(), {"Content-Type": "application/zip"})

    def _fault_html(self) -> None:
        self._answer(200, MAINTENANCE_PAGE, {"Content-Type": "text/html; charset=utf-8"})

    def _fault_json(self) -> None:
        self._answer(200, JSON_ERROR, {"Content-Type": "application/json"})

    def _fault_empty(self) -> None:
        self._answer(200, b"", {"Content-Type": "application/octet-stream"})

    def _fault_redirect_loop(self) -> None:
        self._answer(302, b"", {"Location": self.path})

    def _fault_redirect(self, location: str) -> None:
        self._answer(302, b"", {"Location": location})

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def fault_server(folder: Path | None = None) -> Iterator[FaultServer]:
    """A started ``FaultServer`` over ``folder``, stopped on exit."""
    server = FaultServer(folder).start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def fault_mirror(root: Path = RECORDED_MIRROR) -> Iterator[dict[str, FaultServer]]:
    """One ``FaultServer`` per host folder of the mirror ``root``: {host: server}."""
    with ExitStack() as stack:
        yield {
            folder.name: stack.enter_context(fault_server(folder))
            for folder in sorted(path for path in root.iterdir() if path.is_dir())
        }


def mirror_urls(servers: dict[str, FaultServer]) -> dict[str, str]:
    """The environment (CORDIS_BASE_URL, VLAIO_BASE_URL, ...) that points the flow at ``fault_mirror``."""
    return source_urls({host: server.base_url for host, server in servers.items()})
