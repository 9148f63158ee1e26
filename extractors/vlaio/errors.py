"""Typed errors of the VLAIO extractor (the shared ones — ``LayoutDriftError``, ``SourceUnavailableError``,
``BadSourceFileError`` — live in ``inventory.errors``)."""

from __future__ import annotations

from inventory.errors import InventoryError


class NoProeftuinenFoundError(InventoryError):
    """A whole crawl yielded no proeftuin: never publish that as "there are none"."""

    def __init__(self, pages: int, skipped: int, reason: str) -> None:
        super().__init__(
            f"VLAIO crawl found no proeftuin in {pages} fetched pages ({skipped} skipped): {reason}"
        )
        self.pages = pages
        self.skipped = skipped
        self.reason = reason


class RedirectRefused(InventoryError):
    """Raised from a response hook so that the session does not follow a redirect by itself: the crawl
    decides (same site: queue the target; another host: skip with the reason)."""

    def __init__(self, url: str, location: str, status: int) -> None:
        super().__init__(f"redirect refused: {url} -> {location} (HTTP {status})")
        self.url = url
        self.location = location
        self.status = status


__all__ = ["NoProeftuinenFoundError", "RedirectRefused"]
