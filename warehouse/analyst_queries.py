"""The policy analyst's five questions, each answered by ONE SELECT on the marts only.

The questions are those of Flemish Parliament written question 684 (2018) that the inventory exists to
answer. Every statement runs unchanged on SQLite (3.30 or later) and PostgreSQL: no dialect functions, no
string aggregation (SQLite 3.40 has no ``string_agg``), ``NULLS LAST`` where a sort key may be empty, and
booleans compared with ``= TRUE`` (SQLite uses an index for a comparison, never for a bare column). SQLite
keeps money as REAL, so sums are rounded to the cent in the SQL and every result column is typed here: both
databases then return the same Python values (Decimal, int, date, str; NULL as None).

    python -m warehouse.analyst_queries [--db-url URL] [NAME ...]     # print the answers
    python -m warehouse.analyst_queries --markdown docs/analyst-questions.md [--db-url URL]

``docs/analyst-questions.md`` is written by the second command (its samples come from the warehouse it
reads); the test suite checks that the SQL there, and in the README, is the SQL here."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from textwrap import dedent

import pandas as pd
from sqlalchemy import Date, Integer, Numeric, Text, column, text
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect
from sqlalchemy.types import TypeEngine

MONEY = Numeric(18, 2, asdecimal=True)
DOC_MD = Path(__file__).resolve().parents[1] / "docs" / "analyst-questions.md"
SAMPLE_ROWS = 25


@dataclass(frozen=True)
class AnalystQuery:
    """One question, the SELECT that answers it and the type of every result column."""

    name: str
    question: str
    sql: str
    columns: dict[str, TypeEngine] = field(repr=False)
    notes: str = ""

    @property
    def text(self) -> TextClause:
        return text(self.sql)

    @property
    def statement(self) -> TextualSelect:
        """The SELECT with typed result columns (the same values on SQLite and PostgreSQL)."""
        return self.text.columns(*(column(name, type_) for name, type_ in self.columns.items()))


def _sql(statement: str) -> str:
    return dedent(statement).strip()


FLEMISH_EU_FUNDING_BY_YEAR = AnalystQuery(
    name="flemish_eu_funding_by_year",
    question="How much EU funding went to Flemish participants in Industry 4.0 projects, per year?",
    sql=_sql(
        """
        SELECT f.year,
               COUNT(DISTINCT f.project_key) AS n_projects,
               ROUND(SUM(f.flemish_contribution_eur), 2) AS flemish_eu_contribution_eur,
               ROUND(SUM(f.eu_contribution_eur), 2) AS eu_contribution_eur
        FROM mart_inventory AS i
        JOIN mart_funding_by_year AS f ON f.project_key = i.project_key
        WHERE i.is_flemish = TRUE
          AND i.is_industry40 = TRUE
          AND i.source = 'cordis'
        GROUP BY f.year
        ORDER BY f.year
        """
    ),
    columns={
        "year": Integer(),
        "n_projects": Integer(),
        "flemish_eu_contribution_eur": MONEY,
        "eu_contribution_eur": MONEY,
    },
    notes=(
        "CORDIS projects with at least one Flemish participant that match the Industry 4.0 taxonomy. "
        "Amounts are spread over the calendar years pro rata by days (cents conserved), so each column "
        "sums over the years to the projects' totals. `flemish_eu_contribution_eur`: the EU contribution "
        "to the Flemish participants; `eu_contribution_eur`: the EU contribution to the whole consortia; "
        "`n_projects`: projects running in the year."
    ),
)

PROEFTUINEN = AnalystQuery(
    name="proeftuinen",
    question=(
        "Which proeftuinen (VLAIO's Industry 4.0 living labs) are there, which organisations carry them out, "
        "and how much support do they get per year?"
    ),
    sql=_sql(
        """
        SELECT i.batch AS batch,
               'organisation' AS row_kind,
               i.project_key AS project_key,
               i.title AS proeftuin,
               p.order_no AS order_no,
               p.role,
               p.organisation_name AS named_as,
               p.organisation_key,
               o.name AS organisation,
               NULL AS year,
               NULL AS vlaio_subsidy_eur
        FROM mart_inventory AS i
        LEFT JOIN mart_participations AS p ON p.project_key = i.project_key
        LEFT JOIN mart_organisations AS o ON o.organisation_key = p.organisation_key
        WHERE i.source = 'vlaio'
        UNION ALL
        SELECT CASE WHEN f.project_key LIKE 'vlaio:batch-%'
                    THEN REPLACE(f.project_key, 'vlaio:batch-', '')
                    ELSE i.batch END,
               'yearly support',
               f.project_key,
               i.title,
               NULL,
               NULL,
               NULL,
               NULL,
               NULL,
               f.year,
               f.vlaio_subsidy_eur
        FROM mart_funding_by_year AS f
        LEFT JOIN mart_inventory AS i ON i.project_key = f.project_key
        WHERE f.source = 'vlaio'
        ORDER BY batch NULLS LAST, row_kind, project_key, year, order_no
        """
    ),
    columns={
        "batch": Text(),
        "row_kind": Text(),
        "project_key": Text(),
        "proeftuin": Text(),
        "order_no": Integer(),
        "role": Text(),
        "named_as": Text(),
        "organisation_key": Text(),
        "organisation": Text(),
        "year": Integer(),
        "vlaio_subsidy_eur": MONEY,
    },
    notes=(
        "Two kinds of rows per call batch, because the sources state the support per batch, not per "
        "proeftuin. `organisation` rows: one per proeftuin and organisation carrying it out, as the page (or "
        "the origin document) names it (`named_as`) and as resolved across the sources (`organisation_key`, "
        "`organisation`: imec's proeftuinen and imec's CORDIS projects share one key); a proeftuin whose page "
        "names nobody has one row with empty organisation columns. `yearly support` rows: the VLAIO subsidy "
        "per calendar year as the sources state it, for a whole batch (`project_key` 'vlaio:batch-N') or, "
        "where a page states one with a period, for one proeftuin. For the first batch (the 7 proeftuinen of "
        "the 2017 call) that is the origin document's total of 3,415,687.44 EUR, spread evenly over "
        "2018-2020. Proeftuinen of the 2018 call have no batch here (no source lists them with an amount); "
        "their rows come last. A subsidy a page states without a period is in `mart_inventory."
        "vlaio_subsidy_eur`, not split over years."
    ),
)

ORGANISATIONS_BY_PARTICIPATIONS = AnalystQuery(
    name="organisations_by_participations",
    question="Which Belgian organisations take part most often in the Flemish Industry 4.0 projects?",
    sql=_sql(
        """
        SELECT RANK() OVER (ORDER BY COUNT(*) DESC) AS rank,
               o.organisation_key,
               o.name,
               o.region,
               COUNT(*) AS n_participations,
               COUNT(DISTINCT p.project_key) AS n_projects,
               SUM(CASE WHEN p.role = 'coordinator' THEN 1 ELSE 0 END) AS n_coordinations,
               ROUND(SUM(p.ec_contribution_eur), 2) AS ec_contribution_eur
        FROM mart_inventory AS i
        JOIN mart_participations AS p ON p.project_key = i.project_key
        JOIN mart_organisations AS o ON o.organisation_key = p.organisation_key
        WHERE i.is_flemish = TRUE
          AND i.is_industry40 = TRUE
          AND p.country = 'BE'
        GROUP BY o.organisation_key, o.name, o.region
        ORDER BY rank, o.organisation_key
        """
    ),
    columns={
        "rank": Integer(),
        "organisation_key": Text(),
        "name": Text(),
        "region": Text(),
        "n_participations": Integer(),
        "n_projects": Integer(),
        "n_coordinations": Integer(),
        "ec_contribution_eur": MONEY,
    },
    notes=(
        "The Belgian participants of the inventory's projects (CORDIS projects with a Flemish participant "
        "that match the Industry 4.0 taxonomy, and the proeftuinen), most participations first. Belgian, not "
        "only Flemish: organisations based in Brussels, such as Sirris, carry out Flemish projects too; "
        "`region` tells them apart (organisations known only from a proeftuin page have none). An "
        "organisation is the resolved one (`organisation_key`): imec's CORDIS record and the proeftuin pages' "
        '"imec" are one row. `n_participations` counts every role (a third party or a second role in the '
        "same project counts again), `n_projects` distinct projects; ties share a rank. "
        "`ec_contribution_eur`: the EU contribution it received in those projects (empty for proeftuin "
        "participations: no amount is stated). Drop `AND p.country = 'BE'` to rank the foreign partners too."
    ),
)

THEMES_WITHOUT_PROJECTS = AnalystQuery(
    name="themes_without_projects",
    question="Which Industry 4.0 themes had no Flemish project running, in which year?",
    sql=_sql(
        """
        SELECT g.year,
               g.theme
        FROM mart_theme_gaps AS g
        GROUP BY g.year, g.theme
        HAVING SUM(g.n_projects) = 0
        ORDER BY g.year, g.theme
        """
    ),
    columns={"year": Integer(), "theme": Text()},
    notes=(
        "A theme of the taxonomy (`transforms/taxonomy/industry40_terms.csv`) and a year in which no Flemish "
        "Industry 4.0 project of that theme was running, in any sector. The years are those in which at least "
        "one Flemish Industry 4.0 project ran (projects without dates, like most proeftuin pages, have no "
        "year)."
    ),
)

FLEMISH_DUTCH_COOPERATION = AnalystQuery(
    name="flemish_dutch_cooperation",
    question="In which Industry 4.0 projects do Flemish and Dutch organisations work together?",
    sql=_sql(
        """
        SELECT c.project_key,
               c.acronym,
               c.title,
               c.start_date,
               c.end_date,
               c.n_flemish_organisations,
               c.n_dutch_organisations,
               c.flemish_contribution_eur,
               c.dutch_contribution_eur,
               c.dutch_organisations
        FROM mart_nl_cooperation AS c
        WHERE c.is_industry40 = TRUE
        ORDER BY c.start_date NULLS LAST, c.project_key
        """
    ),
    columns={
        "project_key": Text(),
        "acronym": Text(),
        "title": Text(),
        "start_date": Date(),
        "end_date": Date(),
        "n_flemish_organisations": Integer(),
        "n_dutch_organisations": Integer(),
        "flemish_contribution_eur": MONEY,
        "dutch_contribution_eur": MONEY,
        "dutch_organisations": Text(),
    },
    notes=(
        'Industry 4.0 projects ("Smart Industry" in the Dutch-Flemish action line) with at least one '
        "Flemish and one Dutch participant, oldest first. Amounts are the EU contributions to the Flemish and "
        "to the Dutch participants; `dutch_organisations` names the Dutch participants. Drop the `WHERE` for "
        "every Flemish-Dutch project, Industry 4.0 or not."
    ),
)

QUERIES: dict[str, AnalystQuery] = {
    query.name: query
    for query in (
        FLEMISH_EU_FUNDING_BY_YEAR,
        PROEFTUINEN,
        ORGANISATIONS_BY_PARTICIPATIONS,
        THEMES_WITHOUT_PROJECTS,
        FLEMISH_DUTCH_COOPERATION,
    )
}


def run(engine: Engine, name: str) -> pd.DataFrame:
    """The answer to question ``name`` (a key of ``QUERIES``): one row per result row, values typed alike
    on SQLite and PostgreSQL (money Decimal, counts int, dates date, booleans bool; NULL as None)."""
    query = QUERIES[name]
    with engine.connect() as conn:
        result = conn.execute(query.statement)
        return pd.DataFrame(result.all(), columns=list(result.keys()), dtype=object)


def _cell(value: object) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def _markdown_table(frame: pd.DataFrame, limit: int = SAMPLE_ROWS) -> list[str]:
    if frame.empty:
        return ["(no rows)"]
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.head(limit).itertuples(False)]
    if len(frame) > limit:
        lines += ["", f"… the first {limit} of {len(frame)} rows."]
    else:
        lines += ["", f"{len(frame)} rows."]
    return lines


def render_markdown(engine: Engine) -> str:
    """``docs/analyst-questions.md``: each question, its SQL verbatim, and a sample of its answer from the
    warehouse behind ``engine`` (for the committed file: the recorded sources, see its introduction)."""
    lines = [
        "# The policy analyst's five questions",
        "",
        "<!-- Generated by `python -m warehouse.analyst_queries --markdown docs/analyst-questions.md`;"
        " edit warehouse/analyst_queries.py, not this file. -->",
        "",
        "The questions of Flemish Parliament written question 684 (2018) that the inventory answers, each as",
        "ONE `SELECT` on the marts only (`mart_*`, described in [data_dictionary.md](data_dictionary.md)).",
        "The same SQL runs on SQLite and on PostgreSQL, e.g. as the read-only `inventory_reader` role, and gives",
        "the same rows in the same order (text sorts in code-point order on a PostgreSQL database with the `C`",
        "or `C.UTF-8` collation, as on the project's server; under a linguistic collation such as `en_US.UTF-8`",
        "rows ordered by text may come out in another order). From Python:",
        "`warehouse.analyst_queries.run(engine, name)` returns a DataFrame;",
        "`python -m warehouse.analyst_queries --db-url URL [name ...]` prints the answers.",
        "",
        "The samples below are the answers on a warehouse loaded from the recorded sources (the CORDIS dumps",
        "and VLAIO pages in `recorded/`, as the tests load them):",
        "",
        "```sh",
        "rm -rf /tmp/recorded.sqlite* /tmp/recorded-raw",
        '.venv/bin/python -c "from pathlib import Path; from tests.loading import load; \\',
        "load('sqlite:////tmp/recorded.sqlite', 'docs', vlaio_raw_dir=Path('/tmp/recorded-raw'))\"",
        ".venv/bin/python -m warehouse.analyst_queries --db-url sqlite:////tmp/recorded.sqlite \\",
        "    --markdown docs/analyst-questions.md",
        "```",
        "",
    ]
    for letter, query in zip("abcde", QUERIES.values(), strict=True):
        lines += [
            f"## {letter}. {query.question}",
            "",
            f"`{query.name}` — {query.notes}",
            "",
            f"<!-- analyst-query: {query.name} -->",
            "```sql",
            query.sql,
            "```",
            "",
            "Sample (recorded sources):",
            "",
            *_markdown_table(run(engine, query.name)),
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    from warehouse.engine import make_engine

    parser = argparse.ArgumentParser(description="Answer the policy analyst's questions from the marts.")
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"any of {', '.join(QUERIES)} (default: all)"
    )
    parser.add_argument("--db-url", help="warehouse URL (default: INVENTORY_DB_URL or the local SQLite file)")
    parser.add_argument("--markdown", type=Path, help="write the questions, SQL and samples to this file")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in QUERIES]
    if unknown:
        parser.error(f"unknown question {', '.join(unknown)}; choose from {', '.join(QUERIES)}")
    if args.db_url is None:
        from inventory.config import load_settings

        args.db_url = load_settings().db_url
    engine = make_engine(args.db_url)
    try:
        if args.markdown:
            args.markdown.write_text(render_markdown(engine), encoding="utf-8")
            return 0
        with pd.option_context("display.max_rows", None, "display.width", 200):
            for name in args.names or QUERIES:
                print(f"# {name}: {QUERIES[name].question}\n{run(engine, name).to_string(index=False)}\n")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
