"""The one module of the project that imports Great Expectations (GX Core 1.x).

The GX API changes a lot between versions, so everything GX-specific stays here, behind two functions that
take and return plain data:

* :func:`run_suite` validates a frame against a :class:`quality.catalog.Suite` and returns the GX validation
  result as its JSON dict (parsed into outcomes by :mod:`quality.outcomes`);
* :func:`build_site` renders such JSON dicts as a static GX Data Docs site.

Pitfalls handled (GX 1.24):

* importing GX costs ~3-4 s and logs INFO lines: it is imported lazily, quietly, once;
* importing GX imports ``scipy.stats`` and ``altair`` for expectations the suites never declare (85 of its
  123 MB, resident for the rest of a refresh): they are loaded only if something reads them
  (:mod:`quality.deferred_modules`; ``tests/test_deferred_modules.py`` notices a GX that reads them anyway);
* the ephemeral context, each suite and its validation definition are built once per process and reused
  (building them costs more than validating a small frame); a frame is passed as a batch parameter;
* ``ValidationDefinition.run`` also stores every result in the context's validation results store, which in
  an ephemeral context is process memory: the store is emptied after each run, or a long-lived worker grows;
* GX progress bars (tqdm) are on by default and write to stderr: they are switched off in the context;
* the context is shared, so runs are serialised with a lock (Prefect may run tasks in threads);
* result order is not the suite's order: results are put back in declared order;
* ``get_context`` makes the new context the process' "current" one; the docs build uses its own context,
  which is safe because a validation definition resolves its owner through its batch definition.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from quality import deferred_modules
from quality.catalog import Suite

SITE_NAME = "inventory"
# imported by GX for expectations the suites never declare: loaded only if one is used (``deferred_modules``)
DEFERRED_MODULES = ("scipy.stats", "altair")

_lock = threading.Lock()


def run_suite(
    suite: Suite, frame: pd.DataFrame, parameters: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Validate ``frame`` against ``suite``; the GX suite validation result as a JSON dict, its ``results``
    in the suite's declared order. ``parameters`` give the ``{"$PARAMETER": ...}`` values."""
    index_columns = [c for c in suite.key_columns if c in frame.columns]
    result_format: dict[str, Any] = {"result_format": "SUMMARY"}
    if index_columns:
        result_format["unexpected_index_column_names"] = index_columns
    with _lock:
        definition, order = _validation_definition(suite)
        try:
            result = definition.run(
                batch_parameters={"dataframe": frame},
                expectation_parameters=dict(parameters or {}),
                result_format=result_format,
            )
        finally:
            _forget_results()
        document = result.to_json_dict()
    document["suite_name"] = suite.name
    document["results"] = sorted(
        document["results"], key=lambda r: order.get(r["expectation_config"].get("id"), len(order))
    )
    return document


_definitions: dict[str, list[tuple[Suite, Any, dict[str | None, int]]]] = {}


def _validation_definition(suite: Suite) -> tuple[Any, dict[str | None, int]]:
    """The validation definition of a suite (built once per process; a suite of the same name but other
    expectations gets its own) and its expectations' declared order."""
    built = _definitions.setdefault(suite.name, [])
    for known, definition, order in built:
        if known == suite:
            return definition, order
    definition, order = _build_definition(suite, f"{suite.name}__{len(built)}" if built else suite.name)
    built.append((suite, definition, order))
    return definition, order


def _build_definition(suite: Suite, name: str) -> tuple[Any, dict[str | None, int]]:
    gx = _gx()
    context = _context()
    expectations = [_expectation(s.type, s.kwargs, s.severity, s.notes) for s in suite.expectations]
    # one store write for the whole suite (add_expectation writes the suite once per expectation)
    gx_suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
    order: dict[str | None, int] = {e.id: position for position, e in enumerate(gx_suite.expectations)}
    if None in order or len(order) != len(expectations):
        raise RuntimeError(f"GX gave the expectations of suite {name!r} no distinct ids")
    batch = (
        context.data_sources.add_pandas(f"{name}__source")
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe(f"{name}__whole")
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{name}__validation", data=batch, suite=gx_suite)
    )
    return definition, order


def _expectation(type_: str, kwargs: Mapping[str, Any], severity: str, notes: str | None = None) -> Any:
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    config = ExpectationConfiguration(
        type=type_,
        kwargs={k: v for k, v in kwargs.items() if k != "batch_id"},
        meta={"notes": notes} if notes else {},
        severity=severity,
    )
    return config.to_domain_obj()


def _forget_results() -> None:
    """Drop what a validation leaves in the process-wide context: its stored results, and the batch its
    execution engine keeps loaded. That batch is the validated frame itself, held until the suite's next
    run: at 60k projects, the staged frames (≈1 GB) would outlive the merge that released them. GX 1.x has no
    public call for it; ``BatchManager`` is reached through the data sources' (private) engines."""
    context = _context()
    store = context.validation_results_store
    for key in store.list_keys():
        store.remove_key(key)
    for datasource in context.data_sources.all().values():
        engine = getattr(datasource, "_execution_engine", None)
        manager = getattr(engine, "batch_manager", None)
        if manager is not None:
            manager.reset_batch_cache()
            manager._batch_data_cache.clear()
            manager._active_batch_data_id = None


@functools.cache
def _context() -> Any:
    """One quiet ephemeral GX context per process."""
    return _quiet_context()


def _quiet_context() -> Any:
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


@functools.cache
def _gx() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    gx_logger = logging.getLogger("great_expectations")
    quiet = gx_logger.level == logging.NOTSET  # the application did not configure GX logging itself
    if quiet:  # GX logs chatty INFO lines while importing
        gx_logger.setLevel(logging.WARNING)
    # scipy.stats and altair, imported by expectations the suites do not declare: 85 MB and 0.6 s, deferred
    deferred_modules.defer(*DEFERRED_MODULES)
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine

    if quiet:  # ... and one GX module forces its own logger to INFO when imported
        logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    # GX fingerprints every pandas batch (md5 over pd.util.hash_pandas_object of every column) for the
    # result's batch markers, below this many bytes of frame: 3.4 s of a 3.5 s validation of 400k
    # participations. Nothing reads the fingerprint, so it is switched off (tests/test_quality_engine.py
    # checks the marker is gone, so a GX upgrade that moves the switch is noticed).
    pandas_execution_engine.HASH_THRESHOLD = 0
    return gx


# --- Data Docs ----------------------------------------------------------------------------------------


def build_site(validations: Sequence[Mapping[str, Any]], site_dir: Path, run_name: str) -> Path:
    """Render the validation results (JSON dicts from :func:`run_suite`, or of the same shape) and their
    suites as a GX Data Docs site in ``site_dir``; the path of its ``index.html``.

    A fresh ephemeral context holds only these results, so the site shows exactly this run."""
    gx = _gx()
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    with _lock:
        context = _quiet_context()
        context.add_data_docs_site(
            site_name=SITE_NAME,
            site_config={
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(site_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "show_cta_footer": False},
            },
        )
        suites: dict[str, list[Any]] = {}
        for number, document in enumerate(validations):
            name = str(document["suite_name"])
            results = []
            for result in document.get("results") or ():
                config = dict(result["expectation_config"])
                expectation_config = ExpectationConfiguration(
                    type=config["type"],
                    kwargs=config.get("kwargs") or {},
                    meta=config.get("meta") or {},
                    description=config.get("description"),
                    severity=config.get("severity") or "critical",
                )
                results.append(
                    ExpectationValidationResult(
                        success=bool(result.get("success")),
                        expectation_config=expectation_config,
                        result=result.get("result") or {},
                        meta=result.get("meta") or {},
                        exception_info=result.get("exception_info") or {},
                    )
                )
                suites.setdefault(name, []).append(expectation_config)
            run_time = _run_time(document)
            context.validation_results_store.set(
                ValidationResultIdentifier(
                    expectation_suite_identifier=ExpectationSuiteIdentifier(name=name),
                    run_id=RunIdentifier(run_name=run_name, run_time=run_time),
                    batch_identifier=f"{name}-{number}",
                ),
                ExpectationSuiteValidationResult(
                    success=bool(document.get("success")),
                    results=results,
                    suite_name=name,
                    suite_parameters=document.get("suite_parameters") or {},
                    statistics=document.get("statistics") or {},
                    meta={
                        **(document.get("meta") or {}),
                        "run_id": {"run_name": run_name, "run_time": run_time.isoformat()},
                    },
                ),
            )
        for name, configs in suites.items():
            unique = {(c.type, repr(sorted(c.kwargs.items()))): c for c in configs}
            context.suites.add(
                gx.ExpectationSuite(name=name, expectations=[c.to_domain_obj() for c in unique.values()])
            )
        context.build_data_docs(site_names=[SITE_NAME])
    return site_dir / "index.html"


def _run_time(document: Mapping[str, Any]) -> datetime:
    meta = document.get("meta") or {}
    stamp = meta.get("validation_time") or (meta.get("run_id") or {}).get("run_time")
    try:
        return datetime.fromisoformat(str(stamp))
    except ValueError:
        return datetime.now(UTC)
