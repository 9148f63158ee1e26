"""Static GX Data Docs of a run's validation results, usable offline.

:func:`build_data_docs` renders the results with GX's own site builder (:func:`quality.gx_engine.build_site`)
and then makes the site self-contained. GX 1.x pages load jQuery, Bootstrap, bootstrap-table, Vega and Font
Awesome from public CDNs and the logo from S3; without internet the index page stays empty (its table is
filled by ``$(...).bootstrapTable(...)``, which throws "$ is not defined"). So every external ``<script>``,
stylesheet and image is removed, and a small local script (the few jQuery / bootstrap-table calls the pages
make) and stylesheet are added under ``static/``. Opening a page then makes no request outside the site.

The site is built next to ``target_dir`` and swapped in when complete: a failed build leaves the previous
docs in place.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path

from quality import gx_engine
from quality.outcomes import GateResult

OFFLINE_SCRIPT = "static/scripts/inventory_offline.js"
OFFLINE_STYLES = "static/styles/inventory_offline.css"

_EXTERNAL_SCRIPT = re.compile(r"""<script\b[^>]*\bsrc=["']https?://[^"']*["'][^>]*>\s*</script>\s*""", re.I)
_EXTERNAL_LINK = re.compile(r"""<link\b[^>]*\bhref=["']https?://[^"']*["'][^>]*>\s*""", re.I)
_EXTERNAL_IMAGE = re.compile(r"""(<img\b[^>]*\bsrc=)["']https?://[^"']*["']""", re.I)
_EXTERNAL_URL_IN_CSS = re.compile(r"""url\(\s*(["']?)https?://[^)"']*\1\s*\)""", re.I)
_HEAD_END = re.compile(r"</head>", re.I)


def build_data_docs(results: Sequence[GateResult], target_dir: Path, run_id: str | None = None) -> Path:
    """Build the Data Docs of ``results`` into ``target_dir`` (replacing what is there); the path of its
    ``index.html``. ``run_id`` names the run on the pages.

    Every result of :mod:`quality.gate` carries what the docs need; a :class:`GateResult` made by hand
    (without ``validation``) is left out."""
    target_dir = Path(target_dir)
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    validations = [r.validation for r in results if r.validation is not None]
    building = target_dir.parent / f".{target_dir.name}.building-{uuid.uuid4().hex[:8]}"
    try:
        gx_engine.build_site(validations, building, run_id or "run")
        make_offline(building)
        _swap(building, target_dir)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target_dir / "index.html"


def make_offline(site_dir: Path) -> None:
    """Drop every external script, stylesheet and image of the site's pages; add the local ones."""
    (site_dir / OFFLINE_SCRIPT).parent.mkdir(parents=True, exist_ok=True)
    (site_dir / OFFLINE_SCRIPT).write_text(_SCRIPT, encoding="utf-8")
    (site_dir / OFFLINE_STYLES).parent.mkdir(parents=True, exist_ok=True)
    (site_dir / OFFLINE_STYLES).write_text(_STYLES, encoding="utf-8")
    for page in site_dir.rglob("*.html"):
        page.write_text(offline_page(page.read_text(encoding="utf-8"), page, site_dir), encoding="utf-8")
    for sheet in site_dir.rglob("*.css"):
        sheet.write_text(
            _EXTERNAL_URL_IN_CSS.sub("none", sheet.read_text(encoding="utf-8")), encoding="utf-8"
        )


def offline_page(html: str, page: Path, site_dir: Path) -> str:
    root = Path(os.path.relpath(site_dir, page.parent)).as_posix()
    html = _EXTERNAL_SCRIPT.sub("", html)
    html = _EXTERNAL_LINK.sub("", html)
    html = _EXTERNAL_IMAGE.sub(rf'\1"{root}/static/images/logo-long.png"', html)
    html = _EXTERNAL_URL_IN_CSS.sub("none", html)
    local = (
        f'<link rel="stylesheet" href="{root}/{OFFLINE_STYLES}">\n'
        f'<script src="{root}/{OFFLINE_SCRIPT}"></script>\n'
    )
    return _HEAD_END.sub(lambda _: local + "</head>", html, count=1)


def _swap(built: Path, target: Path) -> None:
    old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
    if target.exists():
        target.rename(old)
    try:
        built.rename(target)
    except OSError:
        if old.exists():
            old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


# The jQuery / bootstrap-table calls of the GX 1.x page templates, and nothing more.
_SCRIPT = """\
/* Offline stand-in for the jQuery and bootstrap-table calls of the GX Data Docs pages (quality/docs.py). */
(function () {
  "use strict";
  if (window.jQuery) {
    return;
  }
  function onReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }
  function Nodes(nodes) {
    this.nodes = nodes.filter(function (n, i) { return n && nodes.indexOf(n) === i; });
  }
  Nodes.prototype = {
    each: function (fn) {
      this.nodes.forEach(function (n, i) { fn.call(n, i, n); });
      return this;
    },
    parent: function () {
      return new Nodes(this.nodes.map(function (n) { return n.parentElement; }));
    },
    fadeIn: function () { return this.each(function (i, n) { n.style.display = ""; }); },
    fadeOut: function () { return this.each(function (i, n) { n.style.display = "none"; }); },
    addClass: function (c) { return this.each(function (i, n) { n.classList.add(c); }); },
    removeClass: function (c) { return this.each(function (i, n) { n.classList.remove(c); }); },
    data: function (key) {
      return this.nodes.length ? this.nodes[0].getAttribute("data-" + key) : undefined;
    },
    ready: function (fn) { onReady(fn); return this; },
    on: function (event, handler) {
      return this.each(function (i, n) {
        if (event.indexOf("click-row") === 0) {
          (n.inventoryRowHandlers = n.inventoryRowHandlers || []).push(handler);
        } else if (event.indexOf(".bs.") < 0) {
          n.addEventListener(event, handler);
        }
      });
    },
    modal: function () { return this; },
    tooltip: function () { return this; },
    popover: function () { return this; },
    bootstrapTable: function (options) {
      if (options && typeof options === "object") {
        this.each(function (i, table) { renderTable(table, options); });
      }
      return this;
    }
  };
  function named(fn) {
    return typeof fn === "string" ? window[fn] : fn;
  }
  function renderTable(table, options) {
    var columns = options.columns || [];
    var rows = (options.data || []).slice();
    var sortColumn = columns.filter(function (c) { return c.field === options.sortName; })[0];
    var sortKey = (sortColumn && sortColumn.sortName) || options.sortName;
    if (sortKey) {
      rows.sort(function (a, b) { return a[sortKey] < b[sortKey] ? -1 : a[sortKey] > b[sortKey] ? 1 : 0; });
      if (options.sortOrder === "desc") {
        rows.reverse();
      }
    }
    var rowAttributes = named(options.rowAttributes);
    var head = table.createTHead().insertRow();
    columns.forEach(function (c) {
      var th = document.createElement("th");
      th.textContent = c.title || c.field;
      head.appendChild(th);
    });
    var body = table.createTBody();
    rows.forEach(function (row, index) {
      var tr = body.insertRow();
      var attributes = rowAttributes ? rowAttributes(row, index) || {} : {};
      Object.keys(attributes).forEach(function (k) { tr.setAttribute(k, attributes[k]); });
      columns.forEach(function (c) {
        tr.insertCell().innerHTML = row[c.field] === undefined || row[c.field] === null ? "" : String(row[c.field]);
      });
      tr.addEventListener("click", function (event) {
        if (event.target.closest("a")) {
          return;
        }
        (table.inventoryRowHandlers || []).forEach(function (h) { h(event, row, new Nodes([tr])); });
      });
    });
  }
  window.jQuery = window.$ = function (what) {
    if (typeof what === "function") {
      onReady(what);
      return new Nodes([]);
    }
    if (typeof what === "string") {
      try {
        return new Nodes(Array.prototype.slice.call(document.querySelectorAll(what)));
      } catch (e) {
        return new Nodes([]);
      }
    }
    return new Nodes(what && what.nodeType ? [what] : what === window ? [document] : []);
  };
})();
"""

# Bootstrap is not there offline: enough layout and the status icons (Font Awesome) to read the pages.
_STYLES = """\
/* Offline styles for the GX Data Docs (quality/docs.py): Bootstrap and Font Awesome are not loaded. */
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #212529; }
a { color: #0b5cad; }
.container-fluid { padding: 0.5rem 1.5rem; }
.row { display: flex; flex-wrap: wrap; }
.col-md-2, .col-lg-2 { flex: 0 0 15%; max-width: 15%; }
.col-md-10, .col-lg-10 { flex: 1 1 80%; min-width: 0; }
.col-12 { flex: 0 0 100%; }
.navbar { display: flex; align-items: center; padding: 0 1.5rem; border-bottom: 1px solid #dee2e6; }
.navbar img { height: 40px !important; }
.card { border: 1px solid #dee2e6; border-radius: 4px; margin-bottom: 1rem; }
.card-header { background: #f7f7f9; padding: 0.4rem 0.6rem; }
.card-body { padding: 0.6rem; }
.alert { background: #eef0f3; padding: 0.5rem 0.75rem; border-radius: 4px; }
.nav { list-style: none; padding-left: 0; }
.nav-tabs { display: flex; gap: 1rem; list-style: none; padding-left: 0; border-bottom: 1px solid #dee2e6; }
.badge { background: #eef0f3; border-radius: 3px; padding: 0 0.3rem; font-family: monospace; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #dee2e6; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f7f7f9; }
tr.clickable-row { cursor: pointer; }
tr.clickable-row:hover { background: #f1f5fb; }
.invisible { visibility: hidden; }
.text-success { color: #1b7f3b; }
.text-danger { color: #b00020; }
.fas { font-style: normal; }
.fa-check-circle::before { content: "\\2714"; }
.fa-times::before { content: "\\2718"; }
.fa-question-circle::before { content: "?"; }
.cooltip .top { display: none; }
.cooltip:hover .top { display: block; position: absolute; background: #fff; border: 1px solid #ccc; padding: 0.3rem; white-space: pre; }
footer { padding: 0.5rem 1.5rem; color: #6c757d; }
"""
