"""The policy analyst's five questions (warehouse/analyst_queries.py) on a warehouse loaded from the recorded
sources: the same rows on SQLite and PostgreSQL, figures equal to those computed independently from the raw
files (tests/independent.py), the organisations of both sources resolved, and the SQL that the docs show is
the SQL that runs.

What is taken from the pipeline rather than recomputed: the Industry 4.0 verdict and themes of each project
(the taxonomy's own rules, mart_inventory) and which organisation key each source reference resolved to
(mart_participations; the resolution itself is tested by the last tests here and in test_organisations.py).
Every amount, count, year and name is computed from the raw JSON, XML, HTML and the origin document."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.independent import (
    SourceProject,
    origin_batch_1,
    projects_from_sources,
    split_by_days,
    taxonomy_themes,
    vlaio_organisations_from_pages,
)
from tests.loading import load
from warehouse.analyst_queries import DOC_MD, QUERIES, render_markdown, run
from warehouse.engine import make_engine

REPO_ROOT = Path(__file__).resolve().parents[1]
README = REPO_ROOT / "README.md"
README_HEADER = "## The policy analyst's five questions"
ZERO = Decimal("0.00")


@pytest.fixture(scope="module")
def warehouse_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite warehouse of the recorded CORDIS dumps and VLAIO proeftuinen, shared by this module."""
    folder = tmp_path_factory.mktemp("analyst")
    url = f"sqlite:///{folder / 'w.sqlite'}"
    load(url, "run-1", vlaio_raw_dir=folder / "raw")
    return url


def _answer(url: str, name: str) -> list[dict]:
    engine = make_engine(url)
    try:
        return run(engine, name).to_dict("records")
    finally:
        engine.dispose()


def _select(url: str, sql: str) -> list[tuple]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _inventory_verdicts(url: str) -> dict[str, tuple[bool, list[str]]]:
    """project_key -> (is_industry40, themes): the taxonomy's verdict, the one input not recomputed."""
    rows = _select(url, "SELECT project_key, is_industry40, themes FROM mart_inventory")
    return {key: (bool(relevant), themes.split("; ") if themes else []) for key, relevant, themes in rows}


def _resolved(url: str) -> dict[str, str]:
    """source_organisation_ref ('cordis:<PIC>', 'vlaio:<name>') -> organisation_key."""
    return dict(
        _select(url, "SELECT DISTINCT source_organisation_ref, organisation_key FROM mart_participations")
    )


def _inventory_projects(url: str) -> dict[str, SourceProject]:
    """The recorded CORDIS projects in the inventory: a Flemish participant and an Industry 4.0 verdict."""
    verdicts = _inventory_verdicts(url)
    return {
        pid: project
        for pid, project in projects_from_sources().items()
        if verdicts[f"cordis:{pid}"][0] and any(p.flemish for p in project.participations)
    }


def test_every_question_gives_the_same_rows_on_sqlite_and_postgres(
    warehouse_url: str, postgres_url: str, tmp_path: Path
) -> None:
    load(postgres_url, "run-1", vlaio_raw_dir=tmp_path / "raw")
    for name in QUERIES:
        on_sqlite, on_postgres = _answer(warehouse_url, name), _answer(postgres_url, name)
        assert on_sqlite, name
        assert [repr(row) for row in on_sqlite] == [repr(row) for row in on_postgres], name


def test_flemish_eu_funding_per_year_equals_the_sources(warehouse_url: str) -> None:
    """Per year: the Flemish participants' EU contribution of the Flemish Industry 4.0 projects, each split
    over its years by days to the cent, and the projects running."""
    expected: dict[int, list] = defaultdict(lambda: [0, ZERO, ZERO])
    for project in _inventory_projects(warehouse_url).values():
        flemish = split_by_days(project.flemish_contribution(), project.start, project.end)
        eu = split_by_days(project.eu_contribution or ZERO, project.start, project.end)
        for year in flemish:
            expected[year][0] += 1
            expected[year][1] += flemish[year]
            expected[year][2] += eu[year]
    answer = _answer(warehouse_url, "flemish_eu_funding_by_year")
    assert [
        (r["year"], r["n_projects"], r["flemish_eu_contribution_eur"], r["eu_contribution_eur"])
        for r in answer
    ] == [(year, *expected[year]) for year in sorted(expected)]
    total = sum(p.flemish_contribution() for p in _inventory_projects(warehouse_url).values())
    assert sum(r["flemish_eu_contribution_eur"] for r in answer) == total > 0


def test_proeftuinen_of_batch_1_with_their_organisations_and_yearly_support(warehouse_url: str) -> None:
    """The origin document: 7 proeftuinen with their executing organisations, 3,415,687.44 EUR in all,
    evenly over 2018-2020 (1,138,562.48 EUR a year)."""
    origin = origin_batch_1()
    answer = _answer(warehouse_url, "proeftuinen")
    batch_1 = [r for r in answer if r["batch"] == "1"]

    support = [(r["year"], r["vlaio_subsidy_eur"]) for r in batch_1 if r["row_kind"] == "yearly support"]
    assert origin.total_subsidy == Decimal("3415687.44")
    assert support == [(year, origin.total_subsidy / 3) for year in origin.years]
    assert support == [
        (2018, Decimal("1138562.48")),
        (2019, Decimal("1138562.48")),
        (2020, Decimal("1138562.48")),
    ]
    assert sum(amount for _, amount in support) == origin.total_subsidy

    executors: dict[str, list[str]] = defaultdict(list)
    for row in batch_1:
        if row["row_kind"] == "organisation":
            assert row["role"] == "uitvoerder", row
            executors[row["project_key"]].append(row["named_as"])
    assert sorted(executors.values()) == sorted(origin.executors)
    assert len(executors) == 7
    # the support is the batch's, never repeated on the proeftuinen's rows
    assert all(r["vlaio_subsidy_eur"] is None for r in answer if r["row_kind"] == "organisation")


def test_proeftuinen_list_every_organisation_the_pages_name(warehouse_url: str) -> None:
    """Batch 1 and the proeftuinen of later calls: per page, the organisations as it names them, in order."""
    pages = vlaio_organisations_from_pages()
    answer = _answer(warehouse_url, "proeftuinen")
    named: dict[str, list[str]] = defaultdict(list)
    for row in answer:
        if row["row_kind"] == "organisation":
            named[row["project_key"]] += [row["named_as"]] if row["named_as"] is not None else []
    assert named == {
        f"vlaio:industrie40:{path.removesuffix('.html')}": names for path, names in pages.items()
    }


def test_organisations_ranked_by_participations_equal_the_sources(warehouse_url: str) -> None:
    """Participations, projects, coordinations and EU contribution per Belgian organisation in the
    inventory's projects: the CORDIS ones from the raw dumps, the proeftuinen's from the raw pages."""
    key_of = _resolved(warehouse_url)
    tally: dict[str, list] = defaultdict(lambda: [0, set(), 0, None])

    def count(key: str, project: str, role: str, amount: Decimal | None) -> None:
        entry = tally[key]
        entry[0] += 1
        entry[1].add(project)
        entry[2] += role == "coordinator"
        if amount is not None:
            entry[3] = (entry[3] or ZERO) + amount

    for pid, project in _inventory_projects(warehouse_url).items():
        for p in project.participations:
            if p.country == "BE":
                count(key_of[f"cordis:{p.organisation_id}"], pid, p.role, p.ec_contribution)
    # a proeftuin's organisations are Belgian (the pages name no country; the pipeline records BE)
    for page, names in vlaio_organisations_from_pages().items():
        for name in names:
            count(key_of[f"vlaio:{name}"], page, "uitvoerder", None)

    ranked = sorted(tally.items(), key=lambda item: (-item[1][0], item[0]))
    expected = [
        (
            1 + sum(1 for _, other in tally.items() if other[0] > n),
            key,
            n,
            len(projects),
            coordinations,
            amount,
        )
        for key, (n, projects, coordinations, amount) in ranked
    ]
    answer = _answer(warehouse_url, "organisations_by_participations")
    assert [
        (
            r["rank"],
            r["organisation_key"],
            r["n_participations"],
            r["n_projects"],
            r["n_coordinations"],
            r["ec_contribution_eur"],
        )
        for r in answer
    ] == expected
    assert answer[0]["rank"] == 1 and len(answer) == len(tally)


def test_themes_without_projects_equal_the_sources(warehouse_url: str) -> None:
    """Every (year, theme) of the taxonomy in which none of the Flemish Industry 4.0 projects of that theme
    ran; the years are those the projects span (the recorded proeftuin pages state no period)."""
    verdicts = _inventory_verdicts(warehouse_url)
    running: dict[int, set[str]] = defaultdict(set)
    for pid, project in _inventory_projects(warehouse_url).items():
        for year in range(project.start.year, project.end.year + 1):
            running[year] |= set(verdicts[f"cordis:{pid}"][1])
    assert _select(
        warehouse_url, "SELECT COUNT(*) FROM mart_inventory WHERE source = 'vlaio' AND start_date IS NOT NULL"
    ) == [(0,)]
    expected = [
        (year, theme)
        for year in sorted(running)
        for theme in sorted(taxonomy_themes())
        if theme not in running[year]
    ]
    answer = _answer(warehouse_url, "themes_without_projects")
    assert [(r["year"], r["theme"]) for r in answer] == expected
    assert 0 < len(expected) < len(running) * len(taxonomy_themes())


def test_flemish_dutch_cooperation_equals_the_sources(warehouse_url: str) -> None:
    key_of = _resolved(warehouse_url)
    verdicts = _inventory_verdicts(warehouse_url)
    expected = []
    for pid, project in projects_from_sources().items():
        flemish = [p for p in project.participations if p.flemish]
        dutch = [p for p in project.participations if p.country == "NL"]
        if not (flemish and dutch and verdicts[f"cordis:{pid}"][0]):
            continue
        expected.append(
            (
                project.start,
                f"cordis:{pid}",
                project.acronym,
                project.end,
                len({key_of[f"cordis:{p.organisation_id}"] for p in flemish}),
                len({key_of[f"cordis:{p.organisation_id}"] for p in dutch}),
                sum((p.ec_contribution or ZERO for p in flemish), ZERO),
                sum((p.ec_contribution or ZERO for p in dutch), ZERO),
                "; ".join(sorted({p.name for p in dutch})),
            )
        )
    answer = _answer(warehouse_url, "flemish_dutch_cooperation")
    assert [
        (
            r["start_date"],
            r["project_key"],
            r["acronym"],
            r["end_date"],
            r["n_flemish_organisations"],
            r["n_dutch_organisations"],
            r["flemish_contribution_eur"],
            r["dutch_contribution_eur"],
            r["dutch_organisations"],
        )
        for r in answer
    ] == sorted(expected)
    assert expected


# CORDIS legal name -> the names the proeftuin pages use (KU Leuven carries out no recorded proeftuin)
NAMED_ORGANISATIONS = {
    "INTERUNIVERSITAIR MICRO-ELECTRONICA CENTRUM": {"imec", "Imec"},
    "FLANDERS MAKE": {"Flanders Make"},
    "KATHOLIEKE UNIVERSITEIT LEUVEN": set(),
    "SIRRIS HET COLLECTIEF CENTRUM VAN DE TECHNOLOGISCHE INDUSTRIE": {"Sirris"},
}


def test_imec_flanders_make_ku_leuven_and_sirris_each_resolve_to_one_organisation(warehouse_url: str) -> None:
    """Every CORDIS record (H2020 JSON and HORIZON XML) under the legal name and every proeftuin page's name
    for it end in ONE organisation, with one row in mart_organisations that lists all those names."""
    key_of = _resolved(warehouse_url)
    page_names = {name for names in vlaio_organisations_from_pages().values() for name in names}
    cordis_refs: dict[str, set[str]] = defaultdict(set)
    for project in projects_from_sources().values():
        for p in project.participations:
            if p.name in NAMED_ORGANISATIONS:
                cordis_refs[p.name].add(f"cordis:{p.organisation_id}")
    organisations = {
        key: (name, aliases)
        for key, name, aliases in _select(
            warehouse_url, "SELECT organisation_key, name, aliases FROM mart_organisations"
        )
    }
    keys = {}
    for legal_name, vlaio_names in NAMED_ORGANISATIONS.items():
        assert vlaio_names <= page_names, legal_name
        refs = cordis_refs[legal_name] | {f"vlaio:{name}" for name in vlaio_names}
        resolved = {key_of[ref] for ref in refs}
        assert len(resolved) == 1, (legal_name, resolved)
        key = resolved.pop()
        name, aliases = organisations[key]
        assert name == legal_name
        assert {legal_name, *vlaio_names} <= set(aliases.split("; ")), aliases
        keys[legal_name] = key
    assert len(set(keys.values())) == len(NAMED_ORGANISATIONS)
    assert not page_names & {"KU Leuven", "KULeuven", "Katholieke Universiteit Leuven"}
    sources = dict(
        _select(
            warehouse_url,
            "SELECT organisation_key, COUNT(DISTINCT source) FROM mart_participations GROUP BY organisation_key",
        )
    )
    assert [sources[keys[name]] for name in NAMED_ORGANISATIONS] == [2, 2, 1, 2]


# --- the SQL shown to people is the SQL that runs ----------------------------------------------------------

SQL_BLOCK = re.compile(r"<!-- analyst-query: (\w+) -->\n```sql\n(.*?)\n```", re.DOTALL)


def _sql_blocks(path: Path) -> dict[str, str]:
    blocks = SQL_BLOCK.findall(path.read_text(encoding="utf-8"))
    assert len(blocks) == len(dict(blocks)), f"{path.name}: a question is shown twice"
    return dict(blocks)


@pytest.mark.parametrize("path", [DOC_MD, README], ids=["analyst-questions.md", "README.md"])
def test_sql_in_the_docs_is_the_sql_that_runs(path: Path) -> None:
    assert README_HEADER in README.read_text(encoding="utf-8")
    assert _sql_blocks(path) == {name: query.sql for name, query in QUERIES.items()}


def test_analyst_questions_doc_is_current(warehouse_url: str) -> None:
    """docs/analyst-questions.md shows the answers on the recorded sources as they are now."""
    engine = make_engine(warehouse_url)
    try:
        rendered = render_markdown(engine)
    finally:
        engine.dispose()
    assert DOC_MD.read_text(encoding="utf-8") == rendered, (
        "regenerate it: see the command at the top of docs/analyst-questions.md"
    )
