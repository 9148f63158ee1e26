"""Proeftuin detail pages into project records, and the drift rule around them.

A page is a proeftuin detail page when it has a title and at least one project anchor:

* a project field label (Uitvoerder(s), Executed by, Partners, In samenwerking met, Projectorganisator,
  Looptijd/Duration, Budget, Subsidie/Subsidy) — see ``fields.py`` for the markup shapes read;
* a proeftuin tag: one short element reading "PROEFTUIN <name>" (as the ILVO partner page shows
  "PROEFTUIN SMART FARMING 4.0"), not a link, heading or list item;
* a JSON-LD object of type Project / ResearchProject.

A listing (a page with pager links) is never a detail page. A page that used to yield a record and now
has no anchor raises ``LayoutDriftError`` naming the URL and the anchors looked for; a crawl that yields
no record at all raises ``NoProeftuinenFoundError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from extractors.vlaio.amounts import parse_amount, parse_day, parse_period
from extractors.vlaio.changes import field_hashes
from extractors.vlaio.crawl import CrawlResult, Skip
from extractors.vlaio.errors import NoProeftuinenFoundError
from extractors.vlaio.fields import LabelledValues, canonical_label, labelled_values, split_names, text_of
from extractors.vlaio.html import (
    canonical_url,
    clean,
    jsonld_objects,
    jsonld_types,
    main_region,
    meta,
)
from extractors.vlaio.pages import load_soup
from extractors.vlaio.settings import (
    FIELD_LABELS,
    FOCUS_HEADINGS,
    PROJECT_ANCHOR_FIELDS,
    STATUS_LABELS,
)
from extractors.vlaio.sites import normalise_url, pager_number, site_of, source_id
from inventory.errors import LayoutDriftError

_TAG = re.compile(r"^proeftuin\s+(?P<name>[^:?!]{2,60})$", re.IGNORECASE)
_TAG_ELEMENTS = ("span", "p", "div", "strong", "em", "small", "b")
_JSONLD_PROJECT_TYPES = {"Project", "ResearchProject"}
_MIN_FOCUS_CHARS = 40

# The field values that define a project record; their hashes drive change detection.
CONTENT_FIELDS: tuple[str, ...] = (
    "title", "proeftuin_label", "focus", "sectors", "themes", "executors", "partners", "status",
    "period_text", "start_date", "end_date", "budget_eur", "subsidy_eur", "contact", "language",
)  # fmt: skip


def anchor_names() -> list[str]:
    """What a detail page is recognised by, as named in drift errors."""
    labels = sorted(
        {
            label[0].upper() + label[1:]
            for label, name in FIELD_LABELS.items()
            if name in PROJECT_ANCHOR_FIELDS
        }
    )
    return [
        f"project field label (one of: {', '.join(labels)})",
        "proeftuin tag ('PROEFTUIN <name>')",
        "JSON-LD Project",
    ]


def _proeftuin_tag(region: Tag) -> str | None:
    """The one short "PROEFTUIN <name>" label of a detail page. Links are never tags (a page that links
    "Proeftuin Smart Farming 4.0" lists proeftuinen, it is not one), nor are headings, list items and page
    chrome; a page with two different such labels is not a detail page either."""
    found: list[str] = []
    for element in region.find_all(_TAG_ELEMENTS):
        if element.find(["a", "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4"]):
            continue
        if element.find_parent(["a", "li", "nav", "header", "footer", "aside", "h1", "h2", "h3", "h4"]):
            continue
        text = clean(element.get_text(" "))
        if text and _TAG.match(text) and len(text.split()) <= 8 and text not in found:
            found.append(text)
    return found[0] if len(found) == 1 else None


def _status(region: Tag, labelled: LabelledValues) -> tuple[str | None, str | None]:
    """(staged status code, status as printed): a "Status" label, else an element that is only a known
    status word ("In uitvoering" on the ILVO page)."""
    printed = labelled.first("status")
    if printed is None:
        for element in region.find_all(["span", "p", "div", "li", "strong", "small", "em"]):
            text = clean(element.get_text(" "))
            if text and text.lower() in STATUS_LABELS and not element.find(["p", "div", "li"]):
                printed = text
                break
    return (STATUS_LABELS.get(printed.lower()) if printed else None), printed


def _focus(soup: BeautifulSoup, region: Tag, project_ld: dict | None, labelled_texts: set[str]) -> str | None:
    """JSON-LD description, else the section under a focus heading, else og:description, else the first
    paragraph long enough to be a description (never a label line)."""
    if project_ld and isinstance(project_ld.get("description"), str):
        return clean(project_ld["description"])
    for heading in region.find_all(["h2", "h3", "h4"]):
        if (clean(heading.get_text(" ")) or "").lower() in FOCUS_HEADINGS:
            section = []
            for sibling in heading.find_next_siblings():
                if sibling.name in ("h1", "h2", "h3", "h4"):
                    break
                section.append(clean(sibling.get_text(" ")) or "")
            if any(section):
                return clean(" ".join(section))
    described = meta(soup, "og:description")
    if described:
        return described
    for paragraph in region.find_all("p"):
        text = clean(text_of(paragraph))
        if not text or len(text) < _MIN_FOCUS_CHARS or text in labelled_texts:
            continue
        if canonical_label(text.split(":", 1)[0]) is not None:
            continue
        return text
    return None


def _names(labelled: LabelledValues, name: str) -> tuple[list[str], str | None]:
    """The names a label lists (``<li>`` items when it is a list) and the label's text as printed."""
    items = labelled.list_values.get(name)
    value = labelled.first(name)
    if items:
        return items[0], value
    return split_names(value), value


def _language(soup: BeautifulSoup, url: str) -> str | None:
    html = soup.find("html")
    lang = html.get("lang") if isinstance(html, Tag) else None
    lang = lang or meta(soup, "og:locale")
    if not lang:
        first = urlsplit(url).path.strip("/").split("/", 1)[0]
        lang = first if first in ("nl", "en", "fr", "de") else None
    return str(lang).split("-")[0].split("_")[0].lower() if lang else None


def _alternates(soup: BeautifulSoup, url: str) -> list[str]:
    links = soup.find_all("link", attrs={"rel": "alternate", "hreflang": True, "href": True})
    return sorted({normalise_url(str(link["href"])) for link in links} - {normalise_url(url)})


def _ld_date(value: object) -> date | None:
    return parse_day(value) if isinstance(value, str) else None


def parse_project(
    content: bytes | str, url: str, content_type: str | None = None, source_id: str | None = None
) -> dict[str, object] | None:
    """The project record of a proeftuin detail page, or None when the page carries no project anchor.

    Values are as the page states them: organisations as named (split into one name each), amounts as exact
    Decimals, a period as dates where the page gives at least a month. A field the page does not state is
    None (or an empty list) — nothing is filled in from elsewhere."""
    soup = load_soup(content, url, content_type)
    ld_objects = jsonld_objects(soup)
    project_ld = next((o for o in ld_objects if jsonld_types(o) & _JSONLD_PROJECT_TYPES), None)
    for hidden in soup(["script", "style", "noscript", "template"]):
        hidden.decompose()
    region = main_region(soup)
    h1 = soup.find("h1")
    title = (
        (clean(h1.get_text(" ")) if isinstance(h1, Tag) else None)
        or meta(soup, "og:title")
        or (clean(project_ld.get("name")) if project_ld and isinstance(project_ld.get("name"), str) else None)
    )
    labelled = labelled_values(region)
    tag = _proeftuin_tag(region)
    listing = pager_number(url) is not None or any(
        pager_number(str(a["href"])) is not None for a in region.find_all("a", href=True)
    )
    anchors = [
        f"label:{label}" for name in PROJECT_ANCHOR_FIELDS for label in labelled.labels_seen.get(name, [])
    ]
    anchors += ["proeftuin tag"] if tag else []
    anchors += ["JSON-LD Project"] if project_ld else []
    if not title or not anchors or listing:
        return None

    language = _language(soup, url)
    executors, executors_text = _names(labelled, "executors")
    partners, partners_text = _names(labelled, "partners")
    sectors, _ = _names(labelled, "sectors")
    themes, _ = _names(labelled, "themes")
    if project_ld and not themes and isinstance(project_ld.get("keywords"), str | list):
        keywords = project_ld["keywords"]
        themes = split_names(keywords) if isinstance(keywords, str) else [str(k) for k in keywords]
    status, status_text = _status(region, labelled)
    period_text = labelled.first("period")
    period = parse_period(period_text)
    start_date, end_date = period.start_date, period.end_date
    if project_ld:
        start_date = start_date or _ld_date(project_ld.get("startDate"))
        end_date = end_date or _ld_date(project_ld.get("endDate"))
    problems: list[str] = []
    amounts: dict[str, object] = {}
    for name in ("budget", "subsidy"):
        text = labelled.first(name)
        amounts[name] = parse_amount(text, language or "nl")
        if text and amounts[name] is None:
            problems.append(f"{name}: no euro amount in {text!r}")
    if period_text and period.precision is None:
        problems.append(f"period: no date or year in {period_text!r}")
    labelled_texts = {value for values in labelled.values.values() for value in values}
    record: dict[str, object] = {
        "url": url,
        "source_id": source_id or urlsplit(url).path.strip("/"),
        "canonical_url": canonical_url(soup),
        "language": language,
        "title": title,
        "proeftuin_label": tag,
        "match_title": _TAG.match(tag)["name"] if tag and _TAG.match(tag) else title,
        "focus": _focus(soup, region, project_ld, labelled_texts),
        "sectors": sectors,
        "themes": themes,
        "executors": executors,
        "executors_text": executors_text,
        "partners": partners,
        "partners_text": partners_text,
        "status": status,
        "status_text": status_text,
        "period_text": period_text,
        "start_date": start_date,
        "end_date": end_date,
        "start_year": period.start_year or (start_date.year if start_date else None),
        "end_year": period.end_year or (end_date.year if end_date else None),
        "period_precision": period.precision,
        "budget_eur": amounts["budget"],
        "subsidy_eur": amounts["subsidy"],
        "contact": labelled.first("contact"),
        "published": meta(soup, "article:published_time"),
        "modified": meta(soup, "article:modified_time"),
        "alternates": _alternates(soup, url),
        "anchors": anchors,
        "problems": problems,
    }
    record["field_hashes"] = field_hashes({name: record[name] for name in CONTENT_FIELDS})
    return record


@dataclass
class ProjectExtraction:
    """The project records of one crawl and the pages passed over (with the reason)."""

    projects: list[dict[str, object]] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    @property
    def proeftuin_count(self) -> int:
        """Distinct proeftuinen: language versions of one page (hreflang alternates) count once."""
        return count_proeftuinen(self.projects)


def count_proeftuinen(records: Iterable[dict[str, object]]) -> int:
    """Records grouped with their crawled hreflang alternates; one per group."""
    records = list(records)
    by_url = {str(r["url"]): i for i, r in enumerate(records)}
    parent = list(range(len(records)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, record in enumerate(records):
        for alternate in record.get("alternates") or []:  # type: ignore[union-attr]
            j = by_url.get(str(alternate))
            if j is not None:
                parent[root(i)] = root(j)
    return len({root(i) for i in range(len(records))})


def read_projects(crawl: CrawlResult, previous_source_ids: Iterable[str] = ()) -> ProjectExtraction:
    """Parse every crawled page into project records.

    ``previous_source_ids``: the ``source_id`` of every page that yielded a project last time (from the
    warehouse). Such a page without any anchor now raises ``LayoutDriftError`` (URL and missing anchors);
    one not reached at all is reported in ``skipped``. No record at all raises ``NoProeftuinenFoundError``."""
    previous = set(previous_source_ids)
    extraction = ProjectExtraction()
    reached: set[str] = set()
    for landed in crawl.pages:
        site = site_of(landed.url, crawl.sites)
        page_id = source_id(landed.url, site) if site else urlsplit(landed.url).path.strip("/")
        reached.add(page_id)
        record = parse_project(Path(landed.path).read_bytes(), landed.url, landed.content_type, page_id)
        if record is None:
            if page_id in previous:
                raise LayoutDriftError(landed.url, anchor_names())
            continue
        record.update(
            page_sha256=landed.sha256,
            source_file=landed.path,
            fetched_at=landed.fetched_at.isoformat(),
            unchanged_page=getattr(landed, "unchanged", False),
        )
        extraction.projects.append(record)
    for missing in sorted(previous - reached):
        extraction.skipped.append(Skip(missing, "yielded a proeftuin last time; not reached in this crawl"))
    if not extraction.projects:
        reasons = (
            "; ".join(f"{s.url}: {s.reason}" for s in crawl.skipped[:5]) or "no page had a project anchor"
        )
        raise NoProeftuinenFoundError(len(crawl.pages), len(crawl.skipped), reasons)
    return extraction


__all__ = [
    "CONTENT_FIELDS",
    "ProjectExtraction",
    "anchor_names",
    "count_proeftuinen",
    "parse_project",
    "read_projects",
]
