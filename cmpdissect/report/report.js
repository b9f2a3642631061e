// cmpdissect HTML report: the search box and the theme switch. No network, no libraries.
(function () {
  "use strict";
  var root = document.documentElement;
  var search = document.getElementById("search");
  var hits = document.getElementById("hits");
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.txn"));
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-txn]"));

  function filter() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    sections.forEach(function (s) {
      var text = s.textContent.toLowerCase();
      var match = words.every(function (w) { return text.indexOf(w) >= 0; });
      s.hidden = !match;
      if (match) { shown += 1; }
    });
    rows.forEach(function (r) {
      var target = document.getElementById(r.getAttribute("data-txn"));
      r.hidden = target ? target.hidden : false;
    });
    hits.textContent = words.length ? shown + " of " + sections.length + " transactions" : "";
  }
  search.addEventListener("input", filter);
  var params = new URLSearchParams(window.location.search);
  if (params.get("q")) { search.value = params.get("q"); filter(); }

  var theme = document.getElementById("theme");
  var stored = null;
  try { stored = window.localStorage.getItem("cmpdissect-theme"); } catch (e) { stored = null; }
  if (params.get("theme") || stored) { root.setAttribute("data-theme", params.get("theme") || stored); }
  theme.addEventListener("click", function () {
    var dark = root.getAttribute("data-theme") === "dark" ||
      (!root.getAttribute("data-theme") && window.matchMedia("(prefers-color-scheme: dark)").matches);
    var next = dark ? "light" : "dark";
    root.setAttribute("data-theme", next);
    try { window.localStorage.setItem("cmpdissect-theme", next); } catch (e) { /* file:// may refuse */ }
  });
})();
