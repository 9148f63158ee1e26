"""Loopback HTTP servers over the recorded sources (``recorded/mirror/<host>/<path>``), one per host, so
that pointing ``CORDIS_BASE_URL``/``VLAIO_BASE_URL`` at them replays the real sites.

It is a plain static file server with two rules: an extension-less page URL is served from ``<path>.html``,
so page URLs keep exactly the real sites' shape; and a URL with a query string (the CORDIS search listing,
the per-project detail) is served from ``<path>__<canonical query>.<format>`` when that file exists (see
``query_variant`` and recorded/README.md)."""

from __future__ import annotations

import argparse
import os
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from inventory.config import REPO_ROOT

RECORDED_MIRROR = REPO_ROOT / "recorded" / "mirror"
CORDIS_HOST = "cordis.europa.eu"
VLAIO_HOST = "www.vlaio.be"
INDUSTRIE40_HOST = "www.industrie40vlaanderen.be"

# Query parameters that select a recorded response; all others (q, srt, archived, ...) are ignored, so one
# recorded listing answers whatever query the extractor is configured with.
QUERY_KEYS = ("num", "p")


def query_variant(query: str) -> str:
    """The file-name suffix that serves a URL's query: ``__`` + the parameters in ``QUERY_KEYS`` sorted by
    name and urlencoded (nothing when none is present) + ``.`` + the ``format`` parameter (default json).
    ``?q=...&format=json&p=2&num=3`` -> ``__num=3&p=2.json``; ``?format=xml`` -> ``.xml``."""
    params = parse_qsl(query, keep_blank_values=True)
    kept = sorted((name, value) for name, value in params if name in QUERY_KEYS)
    fmt = next((value for name, value in params if name == "format"), "json")
    extension = fmt if fmt.isalnum() else "json"
    return (f"__{urlencode(kept)}" if kept else "") + f".{extension}"


class MirrorHandler(SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        translated = super().translate_path(path)
        query = urlsplit(path).query
        if query and os.path.isfile(translated.rstrip("/") + query_variant(query)):
            return translated.rstrip("/") + query_variant(query)
        if not os.path.exists(translated) and os.path.isfile(translated + ".html"):
            return translated + ".html"
        return translated

    def log_message(self, format: str, *args: object) -> None:
        if os.environ.get("INVENTORY_MIRROR_LOG"):
            super().log_message(format, *args)


@contextmanager
def _serve_folder(folder: Path, port: int = 0) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(MirrorHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, name=f"mirror-{folder.name}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def serve_mirror(root: Path = RECORDED_MIRROR, first_port: int = 0) -> Iterator[dict[str, str]]:
    """Serve each host folder of ``root`` from the root of its own loopback server (as the real sites serve
    root-relative links), on free ports unless ``first_port`` is given; yields {host: base URL}."""
    hosts = sorted(path for path in root.iterdir() if path.is_dir())
    with ExitStack() as stack:
        yield {
            host.name: stack.enter_context(_serve_folder(host, first_port + index if first_port else 0))
            for index, host in enumerate(hosts)
        }


def source_urls(bases: dict[str, str]) -> dict[str, str]:
    """The environment that points both extractors at a served mirror."""
    urls = {"CORDIS_BASE_URL": bases[CORDIS_HOST], "VLAIO_BASE_URL": bases[VLAIO_HOST]}
    if INDUSTRIE40_HOST in bases:
        urls["INDUSTRIE40_BASE_URL"] = bases[INDUSTRIE40_HOST]
    # the crawl's politeness (delay, requests per second per host) is for the real sites, not a loopback mirror
    urls["VLAIO_CRAWL_DELAY_S"] = "0"
    urls["INVENTORY_HTTP_RATE_PER_HOST"] = "0"
    return urls


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the recorded sources on loopback.")
    parser.add_argument("--root", type=Path, default=RECORDED_MIRROR)
    parser.add_argument("--first-port", type=int, default=8765)
    args = parser.parse_args()
    with serve_mirror(args.root, args.first_port) as bases:
        for name, value in source_urls(bases).items():
            print(f"export {name}={value}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
