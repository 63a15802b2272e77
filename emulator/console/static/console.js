// Progressive enhancement for the deployment page: refresh its state and log tail every two
// seconds while the page is visible. Without JavaScript the page's "Refresh" link does the same.
(function () {
  "use strict";
  var INTERVAL_MS = 2000;

  function live() { return document.getElementById("live"); }

  function scrollLogToEnd() {
    // The newest lines are at the bottom of every log box: show them first.
    document.querySelectorAll("#live pre.log").forEach(function (log) { log.scrollTop = log.scrollHeight; });
  }

  function refresh() {
    var current = live();
    if (!current || document.hidden) { return; }
    fetch(current.getAttribute("data-refresh"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#live");
        var now = live();
        if (fresh && now) { now.replaceWith(fresh); scrollLogToEnd(); }
      })
      .catch(function () { /* the emulator may be restarting: try again next tick */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!live()) { return; }
    scrollLogToEnd();
    var note = document.querySelector("[data-live-note]");
    if (note) { note.hidden = false; }
    scrollLogToEnd();
    window.setInterval(refresh, INTERVAL_MS);
  });
})();
