"""Typed errors that carry what a person needs to act: the URL, the file, the reason."""

from __future__ import annotations


class InventoryError(Exception):
    """Base class of every error this pipeline raises on purpose."""


class SourceUnavailableError(InventoryError):
    """A source could not be fetched (HTTP error after retries, connection failure, 404 for a dump)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"source unavailable: {url}: {reason}")
        self.url = url
        self.reason = reason


class BadSourceFileError(InventoryError):
    """A fetched file is not what its source promises (not a zip, not a JSON array, broken XML...)."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"bad source file {file}: {reason}")
        self.file = file
        self.reason = reason


class LayoutDriftError(InventoryError):
    """A page no longer carries the anchors its parser relies on."""

    def __init__(self, url: str, missing: list[str]) -> None:
        super().__init__(f"layout drift at {url}: missing anchors {', '.join(missing)}")
        self.url = url
        self.missing = missing


class QualityGateError(InventoryError):
    """Critical data-quality expectations failed: publishing was blocked."""

    def __init__(self, summary: str) -> None:
        super().__init__(f"quality gate blocked publishing: {summary}")
        self.summary = summary
