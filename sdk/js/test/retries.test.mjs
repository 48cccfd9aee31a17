// Retries against the live server through a proxy on 127.0.0.1 that injects the failures:
// 429 + Retry-After (seconds and HTTP date), 503 backoff, 409 idempotency_in_progress, dropped
// connections, hung requests; and that a retried create makes one run, not two.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { performance } from "node:perf_hooks";

import { APIConnectionError, APITimeoutError, RateLimitError, parseRetryAfter } from "../dist/index.js";
import { clientVia, makeClient, problem, relay, scriptedAgent, startProxy, uniq } from "./helpers.mjs";

const client = makeClient();
let agent;

before(async () => {
  agent = await scriptedAgent(client, { name: uniq("retry") });
});

/** The runs of `agent` on the server (through the SDK's own paginator, straight to the server). */
async function runsOf(agentId) {
  return client.runs.list({ agent: agentId, limit: 50 }).toArray();
}

describe("429 + Retry-After", () => {
  let proxy;
  const seen = [];
  let mode = "seconds";

  before(async () => {
    proxy = await startProxy(async (req, body, res) => {
      const entry = { method: req.method, url: req.url, key: req.headers["idempotency-key"], at: performance.now() };
      seen.push(entry);
      // The first create reaches the server (the run is made) but its answer is replaced by a 429:
      // what a client sees when a gateway rate-limits the response. The retry must not make a second run.
      const answer = await (async () => {
        if (req.method === "POST" && seen.filter((e) => e.method === "POST").length === 1) {
          const upstreamAnswer = await relayInto(req, body);
          const retryAfter = mode === "seconds" ? "1" : new Date(Date.now() + 2000).toUTCString();
          entry.retryAfter = retryAfter;
          entry.answeredAt = performance.now();
          entry.answeredWall = Date.now();
          problem(res, 429, "rate_limited", { "retry-after": retryAfter });
          return upstreamAnswer;
        }
        return relay(req, body, res);
      })();
      entry.status = answer.status;
      entry.replayed = answer.headers["idempotent-replayed"];
    });
  });
  after(() => proxy.close());

  test("waits Retry-After seconds, reuses the Idempotency-Key, and creates one run", async () => {
    seen.length = 0;
    mode = "seconds";
    const via = clientVia(proxy.url, { retry: { maxRetries: 2 } });
    const started = performance.now();
    const run = await via.runs.create({ agent: agent.id, input: { message: "once" } });
    const elapsed = performance.now() - started;

    const posts = seen.filter((e) => e.method === "POST");
    assert.equal(posts.length, 2);
    assert.ok(posts[0].key, "the create carried an Idempotency-Key");
    assert.equal(posts[1].key, posts[0].key, "the retry reused the same Idempotency-Key");
    const gap = posts[1].at - posts[0].answeredAt;
    assert.ok(gap >= 1000, `retried after ${gap.toFixed(0)} ms, before Retry-After: 1`);
    assert.ok(gap < 1800, `retried after ${gap.toFixed(0)} ms: far later than Retry-After: 1`);
    assert.ok(elapsed >= 1000 && elapsed < 5000, `create took ${elapsed.toFixed(0)} ms`);
    assert.equal(posts[0].status, 201);
    assert.equal(posts[1].replayed, "true", "the server replayed the first create");

    const runs = await runsOf(agent.id);
    assert.deepEqual(runs.map((r) => r.id), [run.id], "one run created, not two");
  });

  test("honours Retry-After as an HTTP date", async () => {
    seen.length = 0;
    mode = "date";
    const via = clientVia(proxy.url);
    const before = (await runsOf(agent.id)).length;
    const run = await via.runs.create({ agent: agent.id, input: { message: "date" } });
    const posts = seen.filter((e) => e.method === "POST");
    assert.equal(posts.length, 2);
    const expected = Date.parse(posts[0].retryAfter) - posts[0].answeredWall;
    const gap = posts[1].at - posts[0].answeredAt;
    // An HTTP date has one-second resolution: the wait is between 1 and 2 s.
    assert.ok(gap >= 900 && gap >= expected - 50, `waited ${gap.toFixed(0)} ms for a date ${expected.toFixed(0)} ms away`);
    assert.ok(gap < 2600, `waited ${gap.toFixed(0)} ms`);
    const runs = await runsOf(agent.id);
    assert.equal(runs.length, before + 1);
    assert.ok(runs.some((r) => r.id === run.id));
  });

  test("with retries off, the 429 is thrown at once as a RateLimitError", async () => {
    seen.length = 0;
    mode = "seconds";
    const via = clientVia(proxy.url, { retry: false });
    const started = performance.now();
    await assert.rejects(via.runs.create({ agent: agent.id, input: { message: "off" } }), (err) => {
      assert.ok(err instanceof RateLimitError);
      assert.equal(err.status, 429);
      assert.equal(err.code, "rate_limited");
      assert.equal(err.headers.get("retry-after"), "1");
      return true;
    });
    assert.ok(performance.now() - started < 900, "no wait with retries off");
    assert.equal(seen.length, 1);
  });
});

/** Relay to the server but do not answer `res` (the caller answers instead). */
async function relayInto(req, body) {
  const sink = { writeHead() {}, end() {} };
  return relay(req, body, sink);
}

describe("other retryable failures", () => {
  let proxy;
  let plan = [];
  const seen = [];

  before(async () => {
    proxy = await startProxy(async (req, body, res) => {
      seen.push({ method: req.method, url: req.url, key: req.headers["idempotency-key"], at: performance.now() });
      const step = plan.shift() ?? "relay";
      if (step === "503") return problem(res, 503, "unavailable");
      if (step === "409") return problem(res, 409, "idempotency_in_progress");
      if (step === "drop") return req.socket.destroy();
      if (step === "hang") return; // never answered
      return relay(req, body, res);
    });
  });
  after(() => proxy.close());

  test("5xx: exponential backoff without Retry-After", async () => {
    seen.length = 0;
    plan = ["503", "503"];
    const via = clientVia(proxy.url, { retry: { maxRetries: 3, initialDelayMs: 150, jitter: 0 } });
    const found = await via.agents.get(agent.id);
    assert.equal(found.id, agent.id);
    assert.equal(seen.length, 3);
    const gaps = [seen[1].at - seen[0].at, seen[2].at - seen[1].at];
    assert.ok(gaps[0] >= 150, `first backoff ${gaps[0]}`);
    assert.ok(gaps[1] >= 300, `second backoff ${gaps[1]} (doubled)`);
  });

  test("409 idempotency_in_progress is retried with the same key; one run", async () => {
    seen.length = 0;
    plan = ["409"];
    const via = clientVia(proxy.url, { retry: { initialDelayMs: 50 } });
    const before = (await runsOf(agent.id)).length;
    const run = await via.runs.create({ agent: agent.id, input: { message: "409" } });
    assert.equal(seen.length, 2);
    assert.equal(seen[1].key, seen[0].key);
    const runs = await runsOf(agent.id);
    assert.equal(runs.length, before + 1);
    assert.ok(runs.some((r) => r.id === run.id));
  });

  test("a dropped connection is retried for a create (same key, one run)", async () => {
    seen.length = 0;
    plan = ["drop"];
    const via = clientVia(proxy.url, { retry: { initialDelayMs: 50 } });
    const before = (await runsOf(agent.id)).length;
    const run = await via.runs.create({ agent: agent.id, input: { message: "drop" } });
    assert.equal(seen.length, 2);
    assert.equal(seen[1].key, seen[0].key);
    assert.equal((await runsOf(agent.id)).length, before + 1);
    assert.equal((await client.runs.get(run.id)).id, run.id);
  });

  test("a dropped POST the server does not deduplicate is not repeated", async () => {
    seen.length = 0;
    plan = ["drop"];
    const via = clientVia(proxy.url, { retry: { initialDelayMs: 50 } });
    await assert.rejects(via.tools.invoke("kv", { input: { op: "list", prefix: "none-" } }), APIConnectionError);
    assert.equal(seen.length, 1);
  });

  test("connection errors exhaust the retries into an APIConnectionError", async () => {
    seen.length = 0;
    plan = ["drop", "drop", "drop"];
    const via = clientVia(proxy.url, { retry: { maxRetries: 2, initialDelayMs: 20 } });
    await assert.rejects(via.agents.get(agent.id), (err) => err instanceof APIConnectionError && !(err instanceof APITimeoutError));
    assert.equal(seen.length, 3);
  });

  test("timeoutMs bounds each attempt; a timed-out read is retried", async () => {
    seen.length = 0;
    plan = ["hang"];
    const via = clientVia(proxy.url, { timeoutMs: 300, retry: { initialDelayMs: 20 } });
    const started = performance.now();
    const found = await via.agents.get(agent.id);
    assert.equal(found.id, agent.id);
    assert.equal(seen.length, 2);
    assert.ok(performance.now() - started >= 300);

    seen.length = 0;
    plan = ["hang"];
    await assert.rejects(via.agents.get(agent.id, { timeoutMs: 200, retry: false }), APITimeoutError);
    assert.equal(seen.length, 1);
  });

  test("an AbortSignal cancels the call, including its backoff", async () => {
    seen.length = 0;
    plan = ["503", "503", "503"];
    const via = clientVia(proxy.url, { retry: { maxRetries: 3, initialDelayMs: 5000, jitter: 0 } });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(via.agents.get(agent.id, { signal: controller.signal }), (err) => err.name === "AbortError");
    assert.ok(performance.now() - started < 2000, "aborted during the 5 s backoff");
    assert.equal(seen.length, 1);
    plan = [];
  });
});

test("parseRetryAfter reads seconds and HTTP dates", () => {
  const now = Date.parse("Wed, 02 Dec 2026 08:00:00 GMT");
  assert.equal(parseRetryAfter("3", now), 3000);
  assert.equal(parseRetryAfter("0.5", now), 500);
  assert.equal(parseRetryAfter("Wed, 02 Dec 2026 08:00:07 GMT", now), 7000);
  assert.equal(parseRetryAfter("Wed, 02 Dec 2026 07:59:00 GMT", now), 0);
  assert.equal(parseRetryAfter("soon", now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});
