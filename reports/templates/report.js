"use strict";
/* Filter and sort the inventory table; nothing else, and nothing loaded from anywhere. */
(function () {
  var table = document.getElementById("inventory-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var search = document.getElementById("inventory-filter");
  var source = document.getElementById("inventory-source");
  var theme = document.getElementById("inventory-theme");
  var shown = document.getElementById("inventory-count");

  function applyFilter() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var visible = 0;
    rows.forEach(function (row) {
      var text = row.textContent.toLowerCase();
      var themes = (row.getAttribute("data-themes") || "").split("|");
      var keep = words.every(function (w) { return text.indexOf(w) !== -1; }) &&
        (!source.value || row.getAttribute("data-source") === source.value) &&
        (!theme.value || themes.indexOf(theme.value) !== -1);
      row.hidden = !keep;
      if (keep) { visible += 1; }
    });
    shown.value = String(visible);
    shown.textContent = String(visible);
  }

  function sortBy(header) {
    var index = Array.prototype.indexOf.call(header.parentNode.children, header);
    var numeric = header.querySelector("button").getAttribute("data-sort-type") === "number";
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(header.parentNode.children, function (th) {
      if (th.hasAttribute("aria-sort")) { th.setAttribute("aria-sort", "none"); }
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    function key(row) {
      var value = row.cells[index].getAttribute("data-sort") || "";
      if (!numeric) { return value.toLowerCase(); }
      return value === "" ? -Infinity : parseFloat(value);
    }
    rows.sort(function (a, b) {
      var ka = key(a), kb = key(b);
      var order = ka < kb ? -1 : ka > kb ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  table.querySelectorAll("th button").forEach(function (button) {
    button.addEventListener("click", function () { sortBy(button.parentNode); });
  });
  [search, source, theme].forEach(function (control) {
    control.addEventListener("input", applyFilter);
    control.addEventListener("change", applyFilter);
  });
  applyFilter();
}());
