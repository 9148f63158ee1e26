"""How long the quality gate takes at benchmark scale (60k projects, 400k participations by default).

    .venv/bin/python -m quality.bench_validation [--projects 60000] [--participations 400000] [--seed 7]

Builds staged frames of the real shapes and types (``Decimal`` money, ``date`` dates, object dtype) from a
seeded generator, the core and the marts with the real ``transforms.core.build_core`` /
``transforms.marts.build_marts``, then times ``validate_staging``, ``validate_core`` and ``validate_marts``
(GX import and suite set-up timed apart, as the first call of a process pays them) and the Data Docs build.
Prints one JSON document. Nothing is written outside a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from transforms.cordis import PARTICIPATION_FRAME_COLUMNS, PROJECT_FRAME_COLUMNS
from transforms.regions import belgian_region

T = TypeVar("T")

COUNTRIES = ["DE", "ES", "IT", "FR", "BE", "NL", "AT", "FI", "SE", "EL", "PT", "PL", "IE", "NO", "CH"]
ROLES = ["participant"] * 8 + ["thirdParty", "partner", "associatedPartner"]
WORDS = ["digital twin", "robotics", "additive manufacturing", "sensor", "cloud", "battery", "soil", "health"]


def _cents(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)).scaleb(-2)


def staged_frames(projects: int, participations: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(stg_cordis__projects, stg_cordis__participations) frames as the staging transforms build them."""
    rng = random.Random(seed)
    project_rows = []
    for i in range(projects):
        start = date(2014, 1, 1) + timedelta(days=rng.randint(0, 3650))
        total = _cents(rng, 50_000, 20_000_000)
        programme = rng.choice(["H2020", "HORIZON", "FP7"])
        project_rows.append(
            {
                "source": "cordis",
                "source_id": str(100_000 + i),
                "rcn": str(200_000 + i),
                "acronym": f"P{i}",
                "title": f"Project {i} on {rng.choice(WORDS)}",
                "programme": programme,
                "funding_scheme": f"{programme}-RIA",
                "status": rng.choice(["SIGNED", "CLOSED", "ONG", "TERMINATED"]),
                "start_date": start,
                "end_date": start + timedelta(days=rng.randint(180, 1800)),
                "total_cost_eur": total,
                "ec_max_contribution_eur": (total * Decimal("0.7")).quantize(Decimal("0.01")),
                "topics": "TOPIC-1",
                "master_call": "CALL-1",
                "sub_call": "CALL-1",
                "objective": f"We study {rng.choice(WORDS)} and {rng.choice(WORDS)}.",
                "content_update_date": "2025-01-01 00:00:00",
                "keywords": None,
                "result_ids": None,
                "source_file": "bench.zip",
                "record_hash": f"h{i}",
            }
        )
    organisations = max(1, participations // 8)
    participation_rows = []
    for j in range(participations):
        project = j % projects
        order = j // projects + 1
        org = rng.randrange(organisations)
        country = COUNTRIES[org % len(COUNTRIES)]
        nuts = f"{country}{org % 10}{org % 7}{org % 3}" if org % 5 else None
        post_code = str(1000 + org % 9000)
        participation_rows.append(
            {
                "source": "cordis",
                "project_source_id": str(100_000 + project),
                "organisation_id": str(900_000_000 + org),
                "role": "coordinator" if order == 1 else ROLES[j % len(ROLES)],
                "order_no": order,
                "name": f"Organisation {org}",
                "short_name": f"ORG{org}",
                "vat_number": f"{country}{org:09d}",
                "country": country,
                "city": f"City {org % 500}",
                "post_code": post_code,
                "street": "Main street 1",
                "nuts_code": nuts,
                "activity_type": rng.choice(["PRC", "HES", "REC", "PUB", "OTH"]),
                "sme": org % 3 == 0,
                "ec_contribution_eur": _cents(rng, 0, 900_000),
                "net_ec_contribution_eur": _cents(rng, 0, 900_000),
                "total_cost_eur": _cents(rng, 0, 1_200_000),
                "end_of_participation": False,
                "region": belgian_region(country, nuts, post_code),
                "source_file": "bench.zip",
                "record_hash": f"p{j}",
            }
        )
    return (
        pd.DataFrame(project_rows, columns=PROJECT_FRAME_COLUMNS, dtype=object),
        pd.DataFrame(participation_rows, columns=PARTICIPATION_FRAME_COLUMNS, dtype=object),
    )


def _timed(what: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = what()
    return value, round(time.perf_counter() - started, 2)


def run(projects: int, participations: int, seed: int) -> dict[str, Any]:
    from quality import gate  # imports no GX yet
    from transforms.core import build_core
    from transforms.marts import build_marts

    (staged, generate_s) = _timed(lambda: staged_frames(projects, participations, seed))
    core, build_core_s = _timed(lambda: build_core(*staged))
    marts, build_marts_s = _timed(lambda: build_marts(core))
    # the first call of a process imports GX and builds the suites: time that on a tiny frame, apart
    _, setup_s = _timed(lambda: gate.validate_staging({"stg_cordis__projects": staged[0].head(3)}))
    frames = {"stg_cordis__projects": staged[0], "stg_cordis__participations": staged[1]}
    staging, staging_s = _timed(lambda: gate.validate_staging(frames))
    core_results, core_s = _timed(lambda: gate.validate_core(core.tables()))
    mart_results, marts_s = _timed(lambda: gate.validate_marts(marts))
    results = [*staging, *core_results, *mart_results]
    with tempfile.TemporaryDirectory() as tmp:
        _, docs_s = _timed(lambda: gate.build_data_docs(results, Path(tmp) / "docs", "bench"))
    return {
        "rows": {
            "stg_cordis__projects": len(staged[0]),
            "stg_cordis__participations": len(staged[1]),
            **{name: len(frame) for name, frame in core.tables().items()},
            **{name: len(frame) for name, frame in marts.items()},
        },
        "seconds": {
            "generate_staged_frames": generate_s,
            "build_core": build_core_s,
            "build_marts": build_marts_s,
            "gx_import_and_first_suite": setup_s,
            "validate_staging": staging_s,
            "validate_core": core_s,
            "validate_marts": marts_s,
            "validation_total": round(staging_s + core_s + marts_s, 2),
            "build_data_docs": docs_s,
        },
        "passed": all(r.passed for r in results),
        "failures": [line for r in results for line in ([r.summary()] if r.failures else [])],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=60_000)
    parser.add_argument("--participations", type=int, default=400_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.projects, args.participations, args.seed), indent=2))


if __name__ == "__main__":
    main()
