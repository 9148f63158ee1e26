"""Organisation resolution: ids, VAT, curated aliases and names; near-matches listed, never merged."""

from __future__ import annotations

import pandas as pd

from extractors.cordis import read_dump
from tests.loading import RECORDED_DUMPS
from transforms.cordis import stage_participations
from transforms.organisations import normalise_name, resolve_organisations

# how the origin document (recorded/sources/origin/...) names the executing organisations of the proeftuinen
ORIGIN_NAMES = ["imec", "Flanders Make", "Sirris", "Flanders’ FOOD", "ILVO", "LSEC-3IF", "EUKA"]


def _cordis_participations() -> pd.DataFrame:
    raw = []
    for dump in RECORDED_DUMPS:
        raw += read_dump(dump).participations
    return stage_participations(raw)[0]


def _named(names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"source": "vlaio", "source_ref": f"p{i}/{name}", "name": name, "country": None}
            for i, name in enumerate(names)
        ]
    )


def test_imec_flanders_make_ku_leuven_and_sirris_resolve_to_one_organisation_across_sources() -> None:
    participations = _cordis_participations()
    resolution = resolve_organisations(
        participations, _named([*ORIGIN_NAMES, "KU Leuven", "IMEC", "Flanders Food"])
    )
    pic = {"imec": "999981149", "Flanders Make": "996435896", "KU Leuven": "999991334", "Sirris": "998134075"}
    for name, organisation_id in pic.items():
        cordis_key = resolution.key_of[("cordis", organisation_id)]
        vlaio_keys = {
            key
            for (source, ref), key in resolution.key_of.items()
            if source == "vlaio" and ref.endswith(f"/{name}")
        }
        assert vlaio_keys == {cordis_key}, name
    # every CORDIS row of imec (7 participations, one PIC) is that one organisation
    imec_rows = participations[participations["name"] == "INTERUNIVERSITAIR MICRO-ELECTRONICA CENTRUM"]
    assert {resolution.key_of[("cordis", str(i))] for i in imec_rows["organisation_id"]} == {"org:999981149"}
    food = {
        key
        for (source, ref), key in resolution.key_of.items()
        if ref.endswith(("/Flanders’ FOOD", "/Flanders Food"))
    }
    assert len(food) == 1


def test_every_decision_is_recorded_with_its_rule() -> None:
    resolution = resolve_organisations(_cordis_participations(), _named(ORIGIN_NAMES))
    decisions = resolution.decisions.set_index("source_name")
    assert decisions.loc["imec", "rule"] == "alias"
    assert decisions.loc["LSEC-3IF", "rule"] == "new"
    assert set(resolution.decisions["rule"]) <= {"cordis_id", "vat", "alias", "name", "new"}
    assert (
        len(resolution.decisions) == resolution.decisions[["source", "source_ref"]].drop_duplicates().shape[0]
    )


def test_vat_and_equal_names_merge_but_near_matches_are_only_listed() -> None:
    cordis = pd.DataFrame(
        [  # constructed rows
            {
                "organisation_id": "1",
                "name": "ACME ROBOTICS NV",
                "vat_number": "BE0123456789",
                "country": "BE",
            },
            {
                "organisation_id": "2",
                "name": "Acme Robotics",
                "vat_number": "BE 0123.456.789",
                "country": "BE",
            },
            {"organisation_id": "3", "name": "ACME ROBOTIC", "vat_number": None, "country": "BE"},
            {"organisation_id": "4", "name": "ACME ROBOTICS SA", "vat_number": None, "country": "FR"},
        ]
    )
    resolution = resolve_organisations(cordis, _named([]))
    keys = {ref: key for (_, ref), key in resolution.key_of.items()}
    assert keys["1"] == keys["2"] == "org:1"
    assert keys["3"] != keys["1"] and keys["4"] != keys["1"]  # close name, other country: not merged
    pairs = {
        frozenset((row.organisation_key_a, row.organisation_key_b))
        for row in resolution.near_matches.itertuples()
    }
    assert frozenset(("org:1", "org:3")) in pairs


def test_normalise_name() -> None:
    assert normalise_name("Flanders’ FOOD") == normalise_name("Flanders' Food") == "flanders food"
    assert normalise_name("XETAL NV") == "xetal"
    assert normalise_name("Université Catholique de Louvain") == "universite catholique de louvain"
