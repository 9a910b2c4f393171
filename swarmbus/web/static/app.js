// swarmbus web: the connection state of the live stream (no inline scripts: the page's
// Content-Security-Policy allows only this server's own files).
(function () {
  "use strict";

  function show(down) {
    var state = document.getElementById("link-state");
    var offline = document.getElementById("offline");
    if (state) {
      state.textContent = down ? "reconnecting…" : "live";
      state.classList.toggle("down", down);
    }
    if (offline) {
      offline.textContent = down
        ? "The connection to the dashboard was lost; it is retrying on its own."
        : "";
    }
  }

  document.addEventListener("htmx:sseOpen", function () { show(false); });
  document.addEventListener("htmx:sseError", function () { show(true); });
})();
