/* incident-lm report: sorting and filtering, no library. A self-check at the end records what loaded. */
(function () {
  "use strict";
  var errors = [];
  window.addEventListener("error", function (e) { errors.push(String(e.message || e)); });

  function cellValue(row, key) {
    var v = row.getAttribute("data-" + key);
    if (v === null) { return ""; }
    var n = parseFloat(v);
    return isNaN(n) || /[^0-9.eE+-]/.test(v) ? v.toLowerCase() : n;
  }

  function makeSortable(table) {
    var heads = table.querySelectorAll("th[data-sort]");
    Array.prototype.forEach.call(heads, function (th) {
      th.addEventListener("click", function () {
        var key = th.getAttribute("data-sort");
        var asc = th.getAttribute("data-dir") !== "asc";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("data-dir"); });
        th.setAttribute("data-dir", asc ? "asc" : "desc");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, key), y = cellValue(b, key);
          if (x === y) { return 0; }
          return (x < y ? -1 : 1) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  function themeExplorer() {
    var table = document.getElementById("theme-table");
    if (!table) { return 0; }
    var opts = JSON.parse(document.getElementById("theme-options").textContent);
    var cat = document.getElementById("f-category"), harm = document.getElementById("f-harm");
    var month = document.getElementById("f-month"), text = document.getElementById("f-text");
    var shown = document.getElementById("themes-shown");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    rows.forEach(function (r) {
      r._cats = JSON.parse(r.getAttribute("data-cats"));
      r._harm = JSON.parse(r.getAttribute("data-harm"));
      r._months = JSON.parse(r.getAttribute("data-months"));
      r._text = r.textContent.toLowerCase();
    });
    function apply() {
      var c = cat.value, h = harm.value === "" ? -1 : parseInt(harm.value, 10);
      var m = month.value === "" ? -1 : parseInt(month.value, 10), q = text.value.trim().toLowerCase();
      var n = 0;
      rows.forEach(function (r) {
        var inMonth = m < 0 ? "" : (r._months[m] || 0);
        r.querySelector(".in-month").textContent = m < 0 ? "" : String(inMonth);
        r.setAttribute("data-inmonth", m < 0 ? "0" : String(inMonth));
        var ok = (!c || (r._cats[c] || 0) >= opts.category_share) &&
                 (h < 0 || (r._harm[h] || 0) > 0) && (m < 0 || inMonth > 0) && (!q || r._text.indexOf(q) >= 0);
        r.hidden = !ok;
        if (ok) { n += 1; }
      });
      shown.textContent = String(n);
    }
    [cat, harm, month].forEach(function (el) { el.addEventListener("change", apply); });
    text.addEventListener("input", apply);
    apply();
    return rows.length;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var themes = 0;
    try {
      Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
      themes = themeExplorer();
    } catch (e) {
      errors.push(String(e && e.message ? e.message : e));
    }
    var check = document.getElementById("selfcheck");
    check.setAttribute("data-ready", "1");
    check.setAttribute("data-errors", String(errors.length));
    check.setAttribute("data-error-text", errors.join(" | "));
    check.setAttribute("data-sections", String(document.querySelectorAll("section[data-section]").length));
    check.setAttribute("data-figures", String(document.querySelectorAll("svg.figure").length));
    check.setAttribute("data-theme-rows", String(themes));
  });
}());
