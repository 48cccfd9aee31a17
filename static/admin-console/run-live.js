/* Run viewer live mode: while the run is not finished, poll the session-authenticated
   `<run>/events.json?after_seq=N` every second, append new events to the timeline and stop
   at the terminal event. (The SSE stream takes API keys, not the admin session.) */
(function () {
  "use strict";
  var POLL_MS = 1000;
  var MAX_BACKOFF_MS = 10000;

  function cell(text) {
    var td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    return td;
  }

  function eventRow(event) {
    var tr = document.createElement("tr");
    tr.className = "ac-event ac-event-new";
    tr.dataset.type = event.type;
    tr.dataset.seq = event.seq;
    tr.appendChild(cell(event.seq));
    tr.appendChild(cell(event.type));
    tr.appendChild(cell(event.node_id || ""));
    tr.appendChild(cell(event.offset));
    var data = document.createElement("td");
    var details = document.createElement("details");
    var summary = document.createElement("summary");
    summary.textContent = event.summary;
    var pre = document.createElement("pre");
    pre.className = "ac-json";
    pre.textContent = event.pretty;
    details.appendChild(summary);
    details.appendChild(pre);
    data.appendChild(details);
    tr.appendChild(data);
    return tr;
  }

  function setStatus(status) {
    var badge = document.getElementById("ac-run-status");
    if (badge && status) {
      badge.textContent = status;
      badge.className = "ac-status ac-status-" + status;
    }
  }

  function start(table) {
    var url = table.dataset.eventsUrl;
    var afterSeq = parseInt(table.dataset.afterSeq || "0", 10);
    var terminalTypes = (table.dataset.terminalTypes || "").split(" ");
    var body = table.tBodies[0];
    var delay = POLL_MS;

    function finish() {
      var live = document.getElementById("ac-live");
      var done = document.getElementById("ac-finished");
      if (live) { live.hidden = true; }
      if (done) { done.hidden = false; }
    }

    function poll() {
      fetch(url + "?after_seq=" + afterSeq, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) { throw new Error("events.json answered " + response.status); }
          return response.json();
        })
        .then(function (page) {
          var ended = false;
          page.data.forEach(function (event) {
            if (event.seq <= afterSeq) { return; }  // never show an event twice
            body.appendChild(eventRow(event));
            afterSeq = event.seq;
            if (terminalTypes.indexOf(event.type) !== -1) { ended = true; }
          });
          if (page.terminal && page.data.length === 0) { ended = true; }  // terminal event already shown
          setStatus(page.status);
          delay = POLL_MS;
          if (ended) { finish(); } else { window.setTimeout(poll, delay); }
        })
        .catch(function () {
          delay = Math.min(delay * 2, MAX_BACKOFF_MS);  // server restarting or network hiccup: back off
          window.setTimeout(poll, delay);
        });
    }
    window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("ac-events");
    if (table && table.dataset.terminal !== "true") { start(table); }
  });
})();
