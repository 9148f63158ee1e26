"""Label-anchored fields: values found next to the Dutch and English labels pages print
("Uitvoerders: Flanders’ FOOD & ILVO", "Executed by", "Looptijd", "Publicatiedatum", ...), whatever the
markup around them. Recognised shapes, none of which depends on a class name:

* ``<dt>Label</dt><dd>value</dd>`` (one ``dd`` or several);
* ``<tr><th>Label</th><td>value</td></tr>``;
* a block whose text reads ``Label: value`` (``<p>Uitvoerders: Flanders’ FOOD &amp; ILVO</p>``);
* a block that starts with the label in its own inline element (``<p><strong>Budget</strong> € 450.000</p>``);
* a heading that is the label, the value being its section (up to the next heading);
* an element that is only the label, the value being the next element (``<p>Publicatiedatum</p><p>…``).

The last shape can pick up the wrong neighbour (the real VLAIO news page shows "Publicatiedatum" followed by
its lead paragraph, the date value itself missing), so typed fields validate what they get: a date label
whose value holds no date yields no date."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import NavigableString, Tag

from extractors.vlaio.html import clean
from extractors.vlaio.settings import FIELD_LABELS

_BLOCKS = ("p", "li", "div", "dd", "td", "span", "section")
_HEADINGS = ("h2", "h3", "h4", "h5", "h6")
_INLINE_LABELS = ("strong", "b", "em", "span", "label", "dfn")
_HIDDEN = ("script", "style", "template", "noscript")
_CHROME = ("nav", "header", "footer", "aside", "form", *_HIDDEN)
_SPACES = re.compile(r"[ \t\r\n\f]+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


def canonical_label(text: str | None) -> str | None:
    """The record field a label names, or None: case, trailing colon, curly quotes and spaces ignored."""
    if not text:
        return None
    key = re.sub(r"\s+", " ", text.translate(_QUOTES)).strip().rstrip(":：").strip().lower()
    return FIELD_LABELS.get(key)


@dataclass
class LabelledValues:
    """The values found per field (in page order) and every label seen, also those without a value."""

    values: dict[str, list[str]] = field(default_factory=dict)
    labels_seen: dict[str, list[str]] = field(default_factory=dict)  # field -> label texts as printed
    list_values: dict[str, list[list[str]]] = field(default_factory=dict)  # values given as <li> items

    def first(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0] if found else None

    def add(self, name: str, label: str, value: str | None, items: list[str] | None = None) -> None:
        self.labels_seen.setdefault(name, []).append(label)
        if items:
            self.list_values.setdefault(name, []).append(items)
        if value:
            self.values.setdefault(name, []).append(value)


def text_of(element: Tag | NavigableString) -> str:
    """Visible text where only ``<br>`` breaks a line: whitespace of the HTML source (newlines included) is a
    plain space, as a browser renders it. Lists of names are often one per line."""
    if isinstance(element, NavigableString):
        return _SPACES.sub(" ", str(element))
    parts: list[str] = []
    for node in element.descendants:
        if isinstance(node, Tag):
            if node.name == "br":
                parts.append("\n")
        elif type(node) is NavigableString and node.parent is not None and node.parent.name not in _HIDDEN:
            parts.append(_SPACES.sub(" ", str(node)))
    return "".join(parts)


def clean_lines(text: str | None) -> str | None:
    """Spaces collapsed on each line, empty lines dropped, line breaks kept; None for empty."""
    if not text:
        return None
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line) or None


def _consume(done: set[int], elements: list[Tag]) -> None:
    """Mark value elements and everything inside them as read, so no inner block is read again."""
    for element in elements:
        done.add(id(element))
        done.update(id(inner) for inner in element.find_all(True))


def _in_chrome(element: Tag, root: Tag) -> bool:
    for parent in element.parents:
        if parent is root or parent is None:
            return False
        if parent.name in _CHROME:
            return True
    return False


def _next_element(element: Tag) -> Tag | None:
    sibling = element.find_next_sibling()
    return sibling if isinstance(sibling, Tag) else None


def _section_after(heading: Tag) -> list[Tag]:
    """The siblings after a heading, up to the next heading of the same or a higher level."""
    level = int(heading.name[1])
    section: list[Tag] = []
    for sibling in heading.find_next_siblings():
        if sibling.name in _HEADINGS and int(sibling.name[1]) <= level:
            break
        if sibling.name == "h1":
            break
        section.append(sibling)
    return section


def _items(elements: list[Tag]) -> list[str]:
    items = [clean(li.get_text(" ")) for el in elements for li in el.find_all("li")]
    return [item for item in items if item]


def _joined(elements: list[Tag]) -> str | None:
    """The value's text; separate elements and ``<br>`` stay separate lines (so names can be split)."""
    return clean_lines("\n".join(text_of(el) for el in elements)) if elements else None


def labelled_values(root: Tag) -> LabelledValues:
    """Every labelled value under ``root`` (page chrome — nav, header, footer, aside, forms — left out)."""
    found = LabelledValues()
    done: set[int] = set()  # elements already consumed as a label or a value
    for element in root.find_all(True):
        if id(element) in done or _in_chrome(element, root):
            continue
        name = element.name
        own_text = clean(element.get_text(" "))
        label_field = canonical_label(own_text)
        if name == "dt" and label_field:
            values = []
            for sibling in element.find_next_siblings():
                if sibling.name == "dt":
                    break
                if sibling.name == "dd":
                    values.append(sibling)
            _consume(done, values)
            found.add(label_field, own_text or "", _joined(values), _items(values))
        elif name == "th" and label_field:
            cell = element.find_next_sibling("td")
            if isinstance(cell, Tag):
                _consume(done, [cell])
            found.add(label_field, own_text or "", _joined([cell]) if isinstance(cell, Tag) else None)
        elif name in _HEADINGS and label_field:
            section = _section_after(element)
            _consume(done, section)
            found.add(label_field, own_text or "", _joined(section), _items(section))
        elif name in _BLOCKS and label_field and not element.find(_BLOCKS):
            # an element that is only the label: its value is the next element, if any
            parent_text = clean(element.parent.get_text(" ")) if element.parent is not None else own_text
            if name in _INLINE_LABELS and parent_text != own_text:
                continue  # an inline label inside a longer block: the block handles it
            value = _next_element(element)
            if value is not None:
                _consume(done, [value])
            found.add(label_field, own_text or "", _joined([value]) if value is not None else None)
        elif name in _BLOCKS and not element.find(_BLOCKS + _HEADINGS + ("dl", "table", "ul", "ol")):
            _inline_label(element, found)
    return found


_COLON_FORM = re.compile(r"^(?P<label>[^:：\n]{2,40}?)\s*[:：]\s*(?P<value>.+)$", re.DOTALL)


def _inline_label(block: Tag, found: LabelledValues) -> None:
    """``Label: value`` in one block, or a leading inline element holding the label."""
    text = text_of(block).strip()
    match = _COLON_FORM.match(text)
    if match and canonical_label(match["label"]):
        found.add(canonical_label(match["label"]) or "", match["label"].strip(), clean_lines(match["value"]))
        return
    first = next((child for child in block.children if isinstance(child, Tag) or str(child).strip()), None)
    if isinstance(first, Tag) and first.name in _INLINE_LABELS:
        label_text = clean(first.get_text(" "))
        label_field = canonical_label(label_text)
        if label_field:
            rest = text[len(text_of(first).strip()) :].lstrip(" :：")
            found.add(label_field, label_text or "", clean_lines(rest))


# Names in one value are separated by commas, semicolons, ampersands, line breaks and list items. " en " /
# " and " separate only the last name of a list that already has commas ("A, B en C"): without a comma it
# may be part of a name ("Agentschap Innoveren en Ondernemen").
_NAME_SEPARATORS = re.compile(r"\s*(?:[,;\n]|\s&\s|&amp;)\s*")
_LAST_AND = re.compile(r"\s+(?:en|and)\s+(?=[^,]+$)")


def split_names(value: str | None) -> list[str]:
    """Organisation (or sector, theme) names in one label value, spelled as the page spells them."""
    if not value:
        return []
    if "," in value:
        value = _LAST_AND.sub(", ", value)
    names = (clean(part.strip(" .")) for part in _NAME_SEPARATORS.split(value))
    return [name for name in names if name]


__all__ = ["LabelledValues", "canonical_label", "labelled_values", "split_names", "text_of"]
