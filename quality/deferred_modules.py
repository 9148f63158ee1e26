"""Modules that Great Expectations imports but the project's suites never use, loaded only if something
reads one of their attributes.

Importing GX (1.x) imports every expectation it ships, and three of them import ``scipy.stats`` and
``altair`` at module level for expectations this project does not declare (KL divergence, KS tests) and
their charts. Those two are 60 and 25 MB of the 123 MB and 0.6 s of the 1.7 s that importing GX costs
(measured on this machine after pandas, SQLAlchemy and Prefect: see benchmarks/README.md, session 18), and
the memory stays resident for the rest of a refresh, beside its largest phases. :func:`defer` puts a
stand-in in ``sys.modules`` before GX is imported; the modules that import it keep a reference to the
stand-in, and the first read of one of its attributes imports the real module and makes the stand-in
forward to it, so code that does use them (an expectation added later) works unchanged, only not faster.

Dunder names (``__file__``, ``__path__``, ...) do not load the module: the import system and tools that
walk ``sys.modules`` (``inspect.getmodule``) probe them, and must not load what nothing uses."""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

# re-entrant: importing one deferred module may read another's attributes in the same thread
_lock = threading.RLock()


class DeferredModule(types.ModuleType):
    """Stands in ``sys.modules`` for a module not imported yet; see the module docstring."""

    def __getattr__(self, attribute: str) -> Any:  # only called for names not in the stand-in's __dict__
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        return getattr(load(self), attribute)


def defer(*names: str) -> None:
    """A stand-in in ``sys.modules`` for each of ``names`` not imported yet (an imported one stays)."""
    with _lock:
        for name in names:
            if name not in sys.modules:
                sys.modules[name] = DeferredModule(name)


def load(module: types.ModuleType) -> types.ModuleType:
    """The real module of a stand-in, imported on the first call; any other module as it is. The stand-in then
    holds the real module's attributes as they were once it was imported, so later reads do not come back
    here (a name the real module binds later is still found, through ``__getattr__``; one it rebinds later
    is not seen by the holders of the stand-in)."""
    if not isinstance(module, DeferredModule):
        return module
    with _lock:
        real = module.__dict__.get("_deferred_real")
        if real is None:
            name = module.__name__
            if sys.modules.get(name) is module:
                del sys.modules[name]
            try:
                real = importlib.import_module(name)
            except BaseException:
                sys.modules.setdefault(name, module)
                raise
            module.__dict__.update(real.__dict__)
            module.__dict__["_deferred_real"] = real
        return real


def is_loaded(name: str) -> bool:
    """Whether ``name`` is imported for real (not absent, not a stand-in whose module nothing loaded)."""
    module = sys.modules.get(name)
    return module is not None and (
        not isinstance(module, DeferredModule) or "_deferred_real" in module.__dict__
    )
