"""robots.txt for any extractor: fetched once per origin through the shared session, read by the standard
library's ``urllib.robotparser``, asked before every request.

What an answer means (RFC 9309, section 2.3.1, with the standard library's choice for 401/403):

* 200: the rules apply.
* 401, 403: everything is disallowed (the standard library's ``read()`` does the same; it is the polite reading).
* any other 4xx (404, 410, ...): there are no rules, everything is allowed.
* 429, 5xx (after the session's retries), a connection failure, a redirect to another origin: the file is
  unreachable, so everything is disallowed until a later run can read it.

The standard library matches rule paths literally and takes the first matching line. Real robots.txt files
(Drupal's among them) use ``*`` and ``$`` wildcards, which it would never match, so a wildcard ``Disallow``
of the group that applies is checked on top: the policy can only become stricter than the stdlib's answer,
never looser.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import requests

MAX_REDIRECTS = 5  # RFC 9309: follow at least five consecutive redirects


def robots_url(url: str) -> str:
    """The robots.txt URL of the origin (scheme and host) of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/robots.txt"


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _wildcard_pattern(rule_path: str) -> re.Pattern[str]:
    """A robots.txt path with ``*`` (any characters) and a trailing ``$`` (end of URL) as a regex."""
    anchored = rule_path.endswith("$")
    body = rule_path[:-1] if anchored else rule_path
    regex = ".*".join(re.escape(piece) for piece in body.split("*"))
    return re.compile(regex + ("$" if anchored else ""))


@dataclass
class RobotsPolicy:
    """The rules of one origin for one user agent."""

    url: str
    status: str  # "rules" | "allow-all" | "disallow-all"
    reason: str  # how the status was reached, for the run summary
    parser: RobotFileParser
    user_agent: str
    content: bytes | None = None

    def allows(self, url: str) -> bool:
        """True when ``url`` may be fetched."""
        if not self.parser.can_fetch(self.user_agent, url):
            return False
        return not any(pattern.match(_path_and_query(url)) for pattern in self._wildcard_disallows())

    def why_not(self, url: str) -> str:
        """The skip reason for a URL that ``allows`` refused."""
        if self.status == "disallow-all":
            return f"robots.txt {self.url}: {self.reason}"
        return f"disallowed by robots.txt {self.url} for {self.user_agent.split('/')[0]}"

    def crawl_delay(self) -> float | None:
        """The Crawl-delay (seconds) of the group that applies to this user agent, if it states one."""
        delay = self.parser.crawl_delay(self.user_agent)
        return float(delay) if delay is not None else None

    def _wildcard_disallows(self) -> list[re.Pattern[str]]:
        entry = self._entry()
        if entry is None:
            return []
        paths = [unquote(line.path) for line in entry.rulelines if not line.allowance]
        return [_wildcard_pattern(path) for path in paths if "*" in path or path.endswith("$")]

    def _entry(self):  # urllib.robotparser.Entry | None (a private class)
        if self.status != "rules":
            return None
        for entry in self.parser.entries:
            if entry.applies_to(self.user_agent):
                return entry
        return self.parser.default_entry


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def parse_robots(url: str, content: bytes, user_agent: str) -> RobotsPolicy:
    """The policy a robots.txt body states (RFC 9309: UTF-8; bytes that are not are dropped)."""
    parser = RobotFileParser(url)
    parser.parse(content.decode("utf-8", errors="replace").splitlines())
    return RobotsPolicy(url, "rules", "HTTP 200", parser, user_agent, content)


def _blanket(url: str, allow: bool, reason: str, user_agent: str) -> RobotsPolicy:
    parser = RobotFileParser(url)
    parser.allow_all, parser.disallow_all = allow, not allow
    status = "allow-all" if allow else "disallow-all"
    return RobotsPolicy(url, status, reason, parser, user_agent)


def fetch_robots(session: requests.Session, url: str, timeout_s: float) -> RobotsPolicy:
    """Fetch and read the robots.txt of ``url``'s origin with the shared session (its User-Agent is the one
    the rules are matched against). Redirects are followed only within the same origin."""
    user_agent = str(session.headers.get("User-Agent", "*"))
    target = robots_url(url)
    for _ in range(MAX_REDIRECTS + 1):
        try:
            response = session.get(target, timeout=(min(timeout_s, 15.0), timeout_s), allow_redirects=False)
        except requests.RequestException as exc:
            return _blanket(
                target, False, f"unreachable ({type(exc).__name__}): assuming disallow", user_agent
            )
        with response:
            status = response.status_code
            if response.is_redirect:
                location = urljoin(target, response.headers.get("Location", ""))
                if _origin(location) != _origin(target):
                    reason = f"redirects to another origin ({location}): not followed, assuming disallow"
                    return _blanket(target, False, reason, user_agent)
                target = location
                continue
            if status == 200:
                return parse_robots(robots_url(url), response.content, user_agent)
            if status in (401, 403):
                return _blanket(target, False, f"HTTP {status}: assuming disallow", user_agent)
            if 400 <= status < 500 and status != 429:
                return _blanket(target, True, f"HTTP {status}: no rules, all allowed", user_agent)
            return _blanket(target, False, f"HTTP {status}: unreachable, assuming disallow", user_agent)
    return _blanket(target, False, f"more than {MAX_REDIRECTS} redirects: assuming disallow", user_agent)


class RobotsCache:
    """One policy per origin, fetched on first use through ``fetch`` (the caller decides how: throttled,
    landed, ...)."""

    def __init__(self, fetch: Callable[[str], RobotsPolicy]) -> None:
        self._fetch = fetch
        self._policies: dict[tuple[str, str], RobotsPolicy] = {}

    def policy_for(self, url: str) -> RobotsPolicy:
        key = _origin(url)
        if key not in self._policies:
            self._policies[key] = self._fetch(url)
        return self._policies[key]

    @property
    def policies(self) -> list[RobotsPolicy]:
        return list(self._policies.values())


__all__ = ["RobotsCache", "RobotsPolicy", "fetch_robots", "parse_robots", "robots_url"]
