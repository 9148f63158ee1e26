"""The report's two long tables are made in Python (``reports.html``, ``reports.inventory_table``,
``reports.nl_cooperation``) instead of by the template row by row. Their HTML must be the template's, to the
byte: each is compared here with the template text it replaced (kept below as the reference), rendered by
the report's own Jinja2 environment, over constructed rows that hold every character autoescape changes,
missing values, negative and long amounts, unsafe and missing links."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reports import html, nl_cooperation
from reports.inventory_table import InventoryRow, table_body
from reports.render import _environment

INVENTORY_ROW = """\
{% from "_macros.html.j2" import money, link, list_or_dash %}
{% for r in inventory %}
<tr data-project-key="{{ r.project_key }}" data-source="{{ r.source }}" data-themes="{{ r.themes|join('|') }}">
<td data-sort="{{ r.source }} {{ r.programme or '' }}">{{ r.source }}<br><small>{{ r.programme or "" }}</small></td>
<td class="project" data-sort="{{ r.acronym or r.title or r.project_key }}">{% if r.acronym %}<strong>{{ link(r.source_url, r.acronym) }}</strong><br>{{ r.title or "" }}{% else %}{{ link(r.source_url, r.title or r.project_key) }}{% endif %}</td>
<td class="date" data-sort="{{ r.start_date or '' }}">{{ r.start_date|day }}</td>
<td class="date" data-sort="{{ r.end_date or '' }}">{{ r.end_date|day }}</td>
<td class="num" data-col="eu_contribution_eur" data-sort="{{ r.eu_contribution_eur|plain }}">{{ money(r.eu_contribution_eur) }}</td>
<td class="num" data-col="flemish_contribution_eur" data-sort="{{ r.flemish_contribution_eur|plain }}">{{ money(r.flemish_contribution_eur) }}</td>
<td class="num" data-col="vlaio_subsidy_eur" data-sort="{{ r.vlaio_subsidy_eur|plain }}">{{ money(r.vlaio_subsidy_eur) }}</td>
<td class="num" data-col="flemish_organisations" data-sort="{{ r.flemish_organisations }}" data-value="{{ r.flemish_organisations }}">{{ r.flemish_organisations }}</td>
<td>{{ list_or_dash(r.themes) }}</td>
<td class="reasons">{% if r.reasons %}<ul>{% for reason in r.reasons %}<li>{{ reason }}</li>{% endfor %}</ul>{% else %}–{% endif %}</td>
</tr>
{% endfor %}
"""  # the template text as it was, line for line

NL_COOPERATION_ROW = """\
{% from "_macros.html.j2" import money %}
{% for p in nl_cooperation %}
<tr data-project-key="{{ p.project_key }}">
<td>{{ p.start_year if p.start_year is not none else "–" }}</td>
<td class="project">{% if p.acronym %}<strong>{{ p.acronym }}</strong><br>{% endif %}{{ p.title or "" }}</td>
<td>{{ "ja" if p.is_industry40 else "nee" }}</td>
<td class="num">{{ p.n_flemish_organisations }}</td>
<td class="num">{{ p.n_dutch_organisations }}</td>
<td class="num">{{ money(p.flemish_contribution_eur) }}</td>
<td class="num">{{ money(p.dutch_contribution_eur) }}</td>
<td class="partners">{{ p.dutch_organisations or "–" }}</td>
</tr>
{% endfor %}
"""

HOSTILE = "R&D <b>\"quoted\"</b> 'it's' – Zo’n 🏭"
QUOTES = 'O\'Brien "Fabriek"'  # quotes alone, nothing else to escape
URLS = ["https://cordis.europa.eu/project/id/1", "javascript:alert(1)", None, "", "/relative?a=1&b=<2>"]
AMOUNTS = [None, Decimal("0"), Decimal("-12.5"), Decimal("3415687.44"), Decimal("1.732084396E7"), 7, 2.5]


def _inventory_rows() -> list[InventoryRow]:
    rows = []
    for i, (url, amount) in enumerate(zip(URLS * 2, AMOUNTS + AMOUNTS[:3], strict=False)):
        rows.append(
            InventoryRow(
                project_key=f"cordis:{i}&<{i}>" if i % 2 else f"vlaio:{i}",
                source="cordis" if i % 2 else "vlaio",
                acronym=[None, "", HOSTILE, QUOTES][i % 4],
                title=[None, HOSTILE, "A title", ""][i % 4],
                programme=[None, QUOTES, HOSTILE][i % 3],
                status=None,
                start_date=[None, date(2018, 1, 31)][i % 2],
                end_date=[date(2021, 12, 31), None][i % 2],
                eu_contribution_eur=amount,
                flemish_contribution_eur=AMOUNTS[(i + 1) % len(AMOUNTS)],
                vlaio_subsidy_eur=AMOUNTS[(i + 2) % len(AMOUNTS)],
                flemish_organisations=i,
                themes=[[], ["robotics"], ["AI & data", HOSTILE]][i % 3],
                reasons=[[], [f'robotics: title ~ "{HOSTILE}"'], ["a", "b <c>"]][i % 3],
                source_url=url,
            )
        )
    return rows


def _nl_rows() -> list[dict]:
    return [
        {
            "project_key": f"cordis:{i}&",
            "start_year": [None, 2019, 2019.0, float("nan")][i % 4],
            "acronym": [None, "", HOSTILE][i % 3],
            "title": [None, HOSTILE, "T", float("nan")][i % 4],
            "is_industry40": bool(i % 2),
            "n_flemish_organisations": i,
            "n_dutch_organisations": i + 1,
            "flemish_contribution_eur": AMOUNTS[i % len(AMOUNTS)],
            "dutch_contribution_eur": AMOUNTS[(i + 3) % len(AMOUNTS)],
            "dutch_organisations": [None, "", HOSTILE, QUOTES][i % 4],
        }
        for i in range(12)
    ]


def test_the_inventory_rows_are_the_templates_to_the_byte() -> None:
    rows = _inventory_rows()
    reference = _environment().from_string(INVENTORY_ROW).render(inventory=rows)
    assert str(table_body(rows)) == reference.lstrip("\n")
    assert "&lt;b&gt;" in reference and "javascript:" not in reference  # the rows do exercise escaping


def test_the_nl_cooperation_rows_are_the_templates_to_the_byte() -> None:
    rows = _nl_rows()
    reference = _environment().from_string(NL_COOPERATION_ROW).render(nl_cooperation=rows)
    assert str(nl_cooperation.table_body(rows)) == reference.lstrip("\n")


@pytest.mark.parametrize("field", [None, "total_subsidy", 'a"b'])
def test_money_and_link_are_the_macros(field: str | None) -> None:
    env = _environment()
    macros = env.get_template("_macros.html.j2").module
    for amount in AMOUNTS:
        assert html.money(amount, field) == str(macros.money(amount, field))
    for url in URLS:
        assert html.link(url, HOSTILE) == str(macros.link(url, HOSTILE))


def test_empty_tables_have_no_rows() -> None:
    assert str(table_body([])) == "" and str(nl_cooperation.table_body([])) == ""
