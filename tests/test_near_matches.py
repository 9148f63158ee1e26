"""Near-matches: comparing each ordered pair of normalised names once per block (organisations of a block
often share a name) lists exactly the pairs, similarities and order of comparing every pair of
organisations, as the resolver did before."""

from __future__ import annotations

from difflib import SequenceMatcher

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.organisations import (
    DECISION_COLUMNS,
    NEAR_MATCH_COLUMNS,
    NEAR_MATCH_THRESHOLD,
    _near_matches,
    name_blocks,
)


def reference(decisions: pd.DataFrame) -> pd.DataFrame:
    """Every pair of a block compared on its own (a before b in the block, a new matcher per pair)."""
    rows = []
    for block in name_blocks(decisions):
        for index_a, (key_a, norm_a, name_a) in enumerate(block):
            for key_b, norm_b, name_b in block[index_a + 1 :]:
                contained = f" {norm_a} " in f" {norm_b} " or f" {norm_b} " in f" {norm_a} "
                similarity = SequenceMatcher(None, norm_a, norm_b).ratio()
                if similarity >= NEAR_MATCH_THRESHOLD or contained:
                    rows.append((key_a, name_a, key_b, name_b, round(similarity, 3)))
    return pd.DataFrame(rows, columns=NEAR_MATCH_COLUMNS)


# names as sources spell one firm's entities: few stems, legal forms, case, punctuation, so that many
# organisations of a block share a normalised name and the ratio is asymmetric for some pairs
_STEMS = ["acme", "acme robotics", "acme robotic", "robotics acme", "acmee", "ac me", "halux systems", "halux"]  # fmt: skip
# difflib's ratio of this pair depends on the order: 0.857 as (a, b), 0.762 as (b, a)
ASYMMETRIC = ("acme bbr c", "acme bbc rc")
_STEMS += ASYMMETRIC
_NAME = st.builds(
    lambda stem, form, upper, dot: f"{stem.upper() if upper else stem}{dot}{form}",
    st.sampled_from(_STEMS),
    st.sampled_from(["", " NV", " SA", " GmbH", " systems", " labs"]),
    st.booleans(),
    st.sampled_from(["", ".", " -"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_NAME, min_size=2, max_size=25))
def test_each_pair_of_names_compared_once_lists_what_every_pair_compared_lists(names: list[str]) -> None:
    decisions = pd.DataFrame(
        [("cordis", str(i), name, f"org:{i:03d}", "cordis_id", str(i)) for i, name in enumerate(names)],
        columns=DECISION_COLUMNS,
    )
    pd.testing.assert_frame_equal(_near_matches(decisions), reference(decisions))


def test_a_pair_whose_ratio_depends_on_the_order_is_compared_in_each_order_it_occurs() -> None:
    assert SequenceMatcher(None, *ASYMMETRIC).ratio() >= NEAR_MATCH_THRESHOLD
    assert SequenceMatcher(None, *reversed(ASYMMETRIC)).ratio() < NEAR_MATCH_THRESHOLD
    # one block; keys 1 and 3 hold the first name, 2 and 4 the second: (2, 3) compares them the other way
    names = [ASYMMETRIC[0], ASYMMETRIC[1], ASYMMETRIC[0], ASYMMETRIC[1]]
    decisions = pd.DataFrame(
        [("cordis", str(i), name, f"org:{i}", "cordis_id", str(i)) for i, name in enumerate(names, 1)],
        columns=DECISION_COLUMNS,
    )
    found = _near_matches(decisions)
    pd.testing.assert_frame_equal(found, reference(decisions))
    pairs = set(zip(found["organisation_key_a"], found["organisation_key_b"], strict=True))
    assert pairs == {("org:1", "org:2"), ("org:1", "org:3"), ("org:1", "org:4"), ("org:2", "org:4"),
                     ("org:3", "org:4")}  # fmt: skip
