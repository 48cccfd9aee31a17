// streamRun() against the live server through a proxy that cuts the SSE connection mid-run (in
// the middle of an event's bytes, and with a clean EOF before the terminal event): the client
// reconnects with Last-Event-ID and still yields every event exactly once, in order.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { NotFoundError, StreamError } from "../dist/index.js";
import { clientVia, makeClient, pipeThrough, problem, startProxy, scriptedAgent, uniq, upstream } from "./helpers.mjs";

const client = makeClient();
let agent;

// Several turns with tool calls and model latency: a run of a second or so with ~20 events.
const SLOW_SCRIPT = [
  { delay: 0.15, tool_calls: [{ name: "kv", arguments: { op: "set", key: "a", value: "{message}" } }], text: "" },
  { delay: 0.15, tool_calls: [{ name: "kv", arguments: { op: "get", key: "a" } }], text: "" },
  { delay: 0.15, text: "stored and read back: {message}" },
];

before(async () => {
  agent = await scriptedAgent(client, { name: uniq("streamy"), script: SLOW_SCRIPT, tools: ["kv"] });
});

/** A proxy for /stream whose n-th connection is cut according to `cuts[n]`:
 * `{bytes: k}` destroys the socket after k bytes (mid-event), `{bytes: k, clean: true}` ends the
 * response cleanly there; past the list, connections pass through. Records each connection's
 * Last-Event-ID and whether the run was still unfinished when it was cut. */
async function cuttingProxy(cuts) {
  const connections = [];
  const proxy = await startProxy(async (req, body, res) => {
    if (!req.url.includes("/stream")) {
      return pipeThrough(await upstream(req, body), res);
    }
    const cut = cuts[connections.length];
    const record = { lastEventId: req.headers["last-event-id"] ?? null, cut: false };
    connections.push(record);
    const answer = await upstream(req, body);
    if (!cut) return pipeThrough(answer, res);
    res.writeHead(answer.statusCode, answer.headers);
    let sent = 0;
    answer.on("data", (chunk) => {
      if (record.cut) return;
      const room = cut.bytes - sent;
      if (chunk.length < room) {
        sent += chunk.length;
        res.write(chunk);
        return;
      }
      record.cut = true;
      record.tail = chunk.subarray(0, room).toString();
      res.write(chunk.subarray(0, room), () => {
        answer.destroy();
        if (cut.clean) res.end();
        else res.socket.destroy();
      });
    });
    answer.on("end", () => {
      if (!record.cut) res.end();
    });
  });
  return { ...proxy, connections };
}

describe("a stream dropped mid-run", () => {
  let proxy;
  before(async () => {
    // 1: reset in the middle of an event; 2: clean EOF mid-event; 3: reset; then pass through.
    proxy = await cuttingProxy([{ bytes: 700 }, { bytes: 450, clean: true }, { bytes: 500 }]);
  });
  after(() => proxy.close());

  test("yields every event exactly once, in order, across reconnects", async () => {
    const via = clientVia(proxy.url);
    const run = await via.runs.create({ agent: agent.id, input: { message: "tea" } });
    const events = [];
    for await (const event of via.streamRun(run.id, { backoff: { initialDelayMs: 50 } })) events.push(event);

    const seqs = events.map((e) => e.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), "seq 1..n, no gap, no repeat");
    assert.equal(events.at(-1).type, "run.succeeded");
    assert.equal(events.filter((e) => e.type === "run.succeeded").length, 1);

    // Exactly what the server stored (read page by page through the SDK's paginator).
    const stored = await client.runs.events(run.id, { limit: 5 }).toArray();
    assert.deepEqual(events, stored);

    // Three cuts, so four connections; each reconnect resumed after the last event delivered.
    assert.equal(proxy.connections.length, 4);
    assert.equal(proxy.connections[0].lastEventId, null);
    const resumedAfter = proxy.connections.slice(1).map((c) => Number(c.lastEventId));
    for (const [i, seq] of resumedAfter.entries()) {
      assert.ok(seq >= 1 && seqs.includes(seq), `reconnect ${i + 1} sent Last-Event-ID ${seq}`);
      if (i > 0) assert.ok(seq >= resumedAfter[i - 1]);
    }
    // The cuts fell inside an event (a partial event was discarded, then replayed).
    assert.ok(proxy.connections.slice(0, 3).every((c) => c.cut && !c.tail.endsWith("\n\n")));
    const finished = await client.runs.get(run.id);
    assert.equal(finished.status, "succeeded");
    assert.deepEqual(finished.output, { text: "stored and read back: tea" });
  });
});

describe("stream failures", () => {
  test("a run the key cannot see is a NotFoundError, not a reconnect loop", async () => {
    await assert.rejects(async () => {
      for await (const _ of client.streamRun("run_doesnotexist")) assert.fail("no event expected");
    }, (err) => err instanceof NotFoundError && err.status === 404);
  });

  test("gives up with a StreamError after maxReconnects attempts without progress", async () => {
    const run = await client.runs.createAndWait({ agent: agent.id, input: { message: "x" } });
    let connections = 0;
    const proxy = await startProxy(async (req, body, res) => {
      if (req.url.includes("/stream")) {
        connections += 1;
        return problem(res, 503, "unavailable");
      }
      const answer = await upstream(req, body); // GET /runs/{id} says the run is still "running"
      const chunks = [];
      for await (const chunk of answer) chunks.push(chunk);
      const value = JSON.parse(Buffer.concat(chunks).toString());
      const text = JSON.stringify(req.url.includes("/events") ? value : { ...value, status: "running" });
      res.writeHead(answer.statusCode, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    });
    try {
      const via = clientVia(proxy.url);
      await assert.rejects(async () => {
        for await (const _ of via.streamRun(run.id, { maxReconnects: 2, backoff: { initialDelayMs: 10 } })) assert.fail("no event expected");
      }, (err) => err instanceof StreamError && err.lastSeq === 0);
      assert.equal(connections, 3);
    } finally {
      await proxy.close();
    }
  });

  test("afterSeq resumes a finished run's stream and ends at its terminal event", async () => {
    const stream = await client.runs.createAndStream({ agent: agent.id, input: { message: "y" } });
    assert.equal(stream.run.status, "queued");
    const all = [];
    for await (const event of stream) all.push(event);
    assert.equal(all[0].seq, 1);
    assert.equal(all.at(-1).type, "run.succeeded");
    const tail = [];
    for await (const event of client.streamRun(stream.run.id, { afterSeq: all.length - 2 })) tail.push(event);
    assert.deepEqual(tail, all.slice(-2));
    // After the terminal event there is nothing more: the iterator ends instead of reconnecting.
    const none = [];
    for await (const event of client.streamRun(stream.run.id, { afterSeq: all.length })) none.push(event);
    assert.deepEqual(none, []);
  });

  test("breaking out of the loop closes the connection", async () => {
    const run = await client.runs.create({ agent: agent.id, input: { message: "z" } });
    let closed;
    const proxy = await startProxy(async (req, body, res) => {
      if (req.url.includes("/stream")) closed = new Promise((resolve) => res.on("close", resolve));
      pipeThrough(await upstream(req, body), res);
    });
    try {
      const via = clientVia(proxy.url);
      for await (const event of via.streamRun(run.id)) {
        if (event.seq === 2) break;
      }
      await closed; // the proxy saw the client hang up (the test's timeout bounds the wait)
    } finally {
      await proxy.close();
    }
    assert.equal((await client.runs.wait(run.id)).status, "succeeded");
  });
});
