// Runs static/admin-console/run-live.js against a minimal DOM and canned events.json pages
// (given as JSON in argv[3]); prints what the script fetched and rendered, as JSON.
"use strict";
const [scriptPath, pagesJson] = process.argv.slice(2);

function element(tag) {
  return {tag, children: [], dataset: {}, className: "", hidden: false, textContent: "",
          appendChild(child) { this.children.push(child); return child; }};
}
const body = element("tbody");
const table = element("table");
table.dataset = {eventsUrl: "/events.json", afterSeq: "2", terminal: "false",
                 terminalTypes: "run.succeeded run.failed run.cancelled run.timed_out"};
table.tBodies = [body];
const ids = {"ac-events": table, "ac-live": element("span"), "ac-finished": element("p"),
             "ac-run-status": element("span")};
ids["ac-finished"].hidden = true;
let onReady = null;
global.document = {getElementById: (id) => ids[id], createElement: element,
                   addEventListener: (name, handler) => { onReady = handler; }};
const pages = JSON.parse(pagesJson);
const urls = [];
global.fetch = (url) => {
  urls.push(url);
  const page = pages.shift();
  if (page === undefined) { return Promise.reject(new Error("no more pages")); }
  return Promise.resolve({ok: true, json: () => Promise.resolve(page)});
};
let pending = 0;
global.window = {setTimeout: (fn) => { pending += 1; if (pending < 20) { setImmediate(fn); } }};
require(scriptPath);
onReady();
setTimeout(() => {
  process.stdout.write(JSON.stringify({
    urls, polls: pending, rows: body.children.map((row) => [Number(row.dataset.seq), row.dataset.type]),
    live_hidden: ids["ac-live"].hidden, finished_shown: !ids["ac-finished"].hidden,
    status: ids["ac-run-status"].textContent}));
}, 300);
