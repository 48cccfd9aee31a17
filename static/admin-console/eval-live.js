/* Eval page live mode: while the eval is not finished, poll the session-authenticated
   `<eval>/progress.json` every second and move the progress bar, the count and the status;
   at the end show the "reload for its report" notice. (Like run-live.js: the API's streams
   take API keys, not the admin session.) */
(function () {
  "use strict";
  var POLL_MS = 1000;
  var MAX_BACKOFF_MS = 10000;

  function show(progress) {
    var bar = document.getElementById("eval-bar");
    var count = document.getElementById("eval-count");
    var status = document.getElementById("eval-status");
    var text = progress.completed + "/" + progress.total;
    if (bar) {
      bar.firstElementChild.style.width = progress.percent + "%";
      bar.setAttribute("aria-valuenow", String(progress.completed));
      bar.setAttribute("aria-valuemax", String(progress.total));
      bar.title = text;
    }
    if (count) { count.textContent = text; }
    if (status) { status.textContent = progress.status; }
  }

  function finish(progress) {
    var live = document.getElementById("eval-live");
    var done = document.getElementById("eval-finished");
    var verdict = document.getElementById("eval-verdict");
    if (verdict && progress.passed !== null) {
      verdict.textContent = "";
      var span = document.createElement("span");
      span.className = progress.passed ? "eval-pass" : "eval-fail";
      span.textContent = progress.passed ? "passed" : "failed";
      verdict.appendChild(span);
    }
    if (live) { live.hidden = true; }
    if (done) { done.hidden = false; }
  }

  function start(overview) {
    var url = overview.dataset.progressUrl;
    var delay = POLL_MS;

    function poll() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) { throw new Error("progress.json answered " + response.status); }
          return response.json();
        })
        .then(function (progress) {
          show(progress);
          delay = POLL_MS;
          if (progress.terminal) { finish(progress); } else { window.setTimeout(poll, delay); }
        })
        .catch(function () {
          delay = Math.min(delay * 2, MAX_BACKOFF_MS);  // server restarting or network hiccup: back off
          window.setTimeout(poll, delay);
        });
    }
    window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var overview = document.getElementById("eval-overview");
    if (overview && overview.dataset.terminal !== "true") { start(overview); }
  });
})();
