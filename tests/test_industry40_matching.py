"""Industry 4.0 matching: the terms found in one Aho-Corasick pass give exactly the matches of testing every
rule's term in every field, as the matcher did before (the regex decides, the substring test only skips it)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.industry40 import TEXT_FIELDS, TOPIC_FIELDS, load_rules, matches

FIELDS = (*TEXT_FIELDS, *TOPIC_FIELDS)
TERMS = sorted({rule.pattern for rule in load_rules()})


def reference(record: dict[str, object]) -> list[dict[str, str]]:
    """Every rule in the taxonomy's order, every field in its order: the first field whose lowercase text
    holds the term and whose text the rule's regex matches."""
    found = []
    for rule in load_rules():
        for field in TEXT_FIELDS if rule.field == "text" else TOPIC_FIELDS:
            value = record.get(field)
            if isinstance(value, str) and rule.pattern.lower() in value.lower() and rule.regex.search(value):
                found.append({"theme": rule.theme, "field": field, "term": rule.pattern})
                break
    return found


# a term as a source might write it: any case, plural, glued to a word, inside a topic code
_TERM = st.builds(
    lambda term, upper, before, after: f"{before}{term.upper() if upper else term}{after}",
    st.sampled_from(TERMS),
    st.booleans(),
    st.sampled_from(["", " ", "x", "-", "(", "é", "HORIZON-CL4-"]),
    st.sampled_from(["", " ", "s", "es", "x", "-", ")", ";", "_2021"]),
)
_TEXT = st.lists(st.one_of(_TERM, st.text(max_size=12)), max_size=8).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(st.fixed_dictionaries({}, optional={field: st.one_of(st.none(), _TEXT) for field in FIELDS}))
def test_matches_equal_testing_every_rule_in_every_field(record: dict[str, object]) -> None:
    assert matches(record) == reference(record)


def test_a_term_in_two_fields_is_reported_once_for_the_first_field() -> None:
    record = {"title": "A digital twin", "objective": "Digital twins everywhere", "topics": "x"}
    found = [m for m in matches(record) if m["term"] == "digital twin"]
    assert found == [{"theme": "digital twins", "field": "title", "term": "digital twin"}]
