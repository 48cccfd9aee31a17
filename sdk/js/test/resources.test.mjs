// Every resource of the SDK against the live server: agents and versions, workflows, runs (and
// resume, cancel, retry, fork), tools, knowledge bases and documents, datasets, evals, traces,
// secrets; lists walked page by page with the auto-paginating iterators.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ConflictError, NotFoundError, Paginator } from "../dist/index.js";
import { makeClient, scriptedAgent, uniq } from "./helpers.mjs";

const client = makeClient();

// Ingestion starts first: a worker's first document loads the local embedding model, which
// takes a while on a cold worker; the other tests run meanwhile (the KB test comes last).
const knowledgeBase = (async () => {
  const kb = await client.knowledgeBases.create({ name: uniq("kb"), description: "docs" });
  const text = await client.knowledgeBases.documents.create(kb.id, {
    name: "refunds.md", text: "# Refunds\nRefunds are paid within 14 days of the request.", metadata: { team: "billing" } });
  const upload = await client.knowledgeBases.documents.create(kb.id, {
    file: new Blob(["Shipping takes three working days inside the EU."], { type: "text/plain" }),
    filename: "shipping.txt", metadata: { team: "logistics" } });
  return { kb, text, upload };
})();
knowledgeBase.catch(() => {}); // awaited (and reported) by the knowledge-base test

describe("agents", () => {
  test("create, get by id and name, update, versions, promote, list, delete", async () => {
    const name = uniq("agt");
    const agent = await client.agents.create({ name, description: "first" });
    assert.match(agent.id, /^agt_/);
    assert.equal((await client.agents.get(name)).id, agent.id);
    const updated = await client.agents.update(agent.id, { description: "second" });
    assert.equal(updated.description, "second");

    const body = { model: `scripted/${name}`, model_settings: { script: [{ echo: true }] }, instructions: "Be brief." };
    const v1 = await client.agents.versions.create(agent.id, body);
    assert.equal(v1.number, 1);
    const same = await client.agents.versions.create(agent.id, body);
    assert.equal(same.number, 1, "an identical body answers the existing version");
    const v2 = await client.agents.versions.create(agent.id, { ...body, instructions: "Be terse." });
    assert.equal(v2.number, 2);
    assert.equal((await client.agents.versions.get(agent.id, 1)).content_hash, v1.content_hash);
    const versions = await client.agents.versions.list(agent.id, { limit: 1 }).toArray();
    assert.deepEqual(versions.map((v) => v.number).sort(), [1, 2]);

    const promotion = await client.agents.promote(agent.id, { version: 1, environment: "prod" });
    assert.equal(promotion.version, 1);
    assert.equal((await client.agents.get(agent.id)).environments.prod, 1);
    const history = await client.agents.promotions(agent.id).toArray();
    assert.ok(history.some((p) => p.environment === "prod" && p.version === 1));

    const run = await client.runs.createAndWait({ agent: name, environment: "prod", input: { message: "hi" } });
    assert.equal(run.status, "succeeded");
    assert.equal(run.version, 1);

    // An agent with runs keeps its versions for their history; one without runs can go.
    await assert.rejects(client.agents.delete(agent.id), (err) => err instanceof ConflictError && /has runs/.test(err.detail));
    const unused = await client.agents.create({ name: uniq("unused") });
    await client.agents.delete(unused.id);
    await assert.rejects(client.agents.get(unused.id), NotFoundError);
  });

  test("lists are auto-paginating async iterators over {data, next_cursor}", async () => {
    const prefix = uniq("page");
    const made = [];
    for (let i = 0; i < 5; i += 1) made.push((await client.agents.create({ name: `${prefix}-${i}` })).id);
    const paginator = client.agents.list({ limit: 2 });
    assert.ok(paginator instanceof Paginator);
    const first = await paginator.firstPage();
    assert.equal(first.data.length, 2);
    assert.equal(typeof first.next_cursor, "string");
    const pages = [];
    for await (const page of paginator.pages()) pages.push(page.data.length);
    assert.ok(pages.length >= 3 && pages.every((n) => n <= 2), `pages of ${pages}`);
    const seen = [];
    for await (const agent of client.agents.list({ limit: 2 })) seen.push(agent.id);
    assert.equal(new Set(seen).size, seen.length, "no item twice across pages");
    for (const id of made) assert.ok(seen.includes(id));
    assert.equal((await client.agents.list({ limit: 2 }).toArray(3)).length, 3);
  });
});

describe("workflows and run control", () => {
  test("a human-input pause: createAndWait stops at waiting, resume finishes it", async () => {
    const name = uniq("review");
    const wf = await client.workflows.create({ name });
    assert.match(wf.id, /^wf_/);
    const schema = { type: "object", required: ["approved"], properties: { approved: { type: "boolean" } } };
    const version = await client.workflows.versions.create(wf.id, { graph: chain(
      { id: "start", type: "start" },
      { id: "ask", type: "human", config: { prompt: "Ship {{ $.input.what }}?", input_schema: schema } },
      { id: "end", type: "end", inputs: { approved: "$.nodes.ask.output.approved" } }) });
    assert.equal(version.number, 1);
    assert.equal((await client.workflows.get(name)).latest_version, 1);
    assert.equal((await client.workflows.update(wf.id, { description: "gate" })).description, "gate");
    assert.ok((await client.workflows.versions.list(wf.id).toArray()).length === 1);

    const waiting = await client.runs.createAndWait({ workflow: name, input: { what: "v2" } });
    assert.equal(waiting.status, "waiting");
    const resumed = await client.runs.resume(waiting.id, { input: { approved: true } });
    assert.equal(resumed.id, waiting.id);
    const done = await client.runs.wait(waiting.id);
    assert.equal(done.status, "succeeded");
    assert.deepEqual(done.output, { approved: true });
    const types = (await client.runs.events(waiting.id).toArray()).map((e) => e.type);
    assert.ok(types.indexOf("run.waiting") < types.indexOf("run.resumed"));
  });

  test("cancel a running run", async () => {
    const agent = await scriptedAgent(client, { script: [{ delay: 30, text: "too late" }] });
    const stream = await client.runs.createAndStream({ agent: agent.id, input: { message: "x" } });
    const types = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "run.started") await client.runs.cancel(stream.run.id);
    }
    assert.equal(types.at(-1), "run.cancelled");
    assert.equal((await client.runs.get(stream.run.id)).status, "cancelled");
    await assert.rejects(client.runs.cancel(stream.run.id), ConflictError);
  });

  test("retry a failed workflow run from a node; fork from a checkpoint with a patched state", async () => {
    // `gate` fails until a kv flag is set: the first run fails there; the retry re-reads the flag.
    const flag = uniq("flag");
    const name = uniq("gated");
    const wf = await client.workflows.create({ name });
    await client.workflows.versions.create(wf.id, { graph: chain(
      { id: "start", type: "start" },
      { id: "greet", type: "prompt", config: { model: "scripted/echo", prompt: "Hello {{ $.input.who }}" } },
      { id: "check", type: "tool", config: { tool: "kv" }, inputs: { op: "get", key: flag } },
      { id: "gate", type: "code", inputs: { flag: "$.nodes.check.output.value" },
        config: { code: "if not input.get('flag'):\n    raise ValueError('flag not set')\nreturn {'flag': input['flag']}" } },
      { id: "end", type: "end", inputs: { text: "$.nodes.greet.output.text", flag: "$.nodes.gate.output.flag" } }) });
    const failed = await client.runs.createAndWait({ workflow: name, input: { who: "Ada" } });
    assert.equal(failed.status, "failed");
    await assert.rejects(client.runs.retry(failed.id, { from_node: "nope" }), (err) => err.status >= 400 && err.status < 500 && "from_node" in err.errors);

    await client.tools.invoke("kv", { input: { op: "set", key: flag, value: "on" } });
    const retry = await client.runs.retry(failed.id, { from_node: "check" });
    assert.equal(retry.parent_run, failed.id);
    const retried = await client.runs.wait(retry.id);
    assert.equal(retried.status, "succeeded", JSON.stringify(retried.error));
    assert.deepEqual(retried.output, { text: "Hello Ada", flag: "on" });
    await assert.rejects(client.runs.retry(retried.id), ConflictError); // only failed runs

    const checkpoints = await client.runs.checkpoints(retried.id).toArray();
    const greet = checkpoints.find((c) => c.node === "greet");
    assert.ok(greet, JSON.stringify(checkpoints));
    const fork = await client.runs.fork(retried.id, {
      checkpoint: greet.checkpoint, state_patch: { nodes: { greet: { output: { text: "Hello Bob" } } } } });
    assert.equal(fork.parent_run, retried.id);
    const forked = await client.runs.wait(fork.id);
    assert.equal(forked.status, "succeeded", JSON.stringify(forked.error));
    assert.deepEqual(forked.output, { text: "Hello Bob", flag: "on" });
  });
});

describe("runs", () => {
  test("create, get, list with filters, events, feedback, stream token", async () => {
    const agent = await scriptedAgent(client, { script: [{ text: "hello {message}" }] });
    const run = await client.runs.createAndWait({ agent: agent.id, input: { message: "you" }, metadata: { case: "sdk" } });
    assert.equal(run.status, "succeeded");
    assert.deepEqual(run.output, { text: "hello you" });
    assert.deepEqual(run.metadata, { case: "sdk" });
    assert.equal((await client.runs.get(run.id)).id, run.id);
    const listed = await client.runs.list({ agent: agent.id, status: "succeeded" }).toArray();
    assert.deepEqual(listed.map((r) => r.id), [run.id]);
    const events = await client.runs.events(run.id, { limit: 2 }).toArray();
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1));
    const later = await client.runs.events(run.id, { afterSeq: 2 }).toArray();
    assert.deepEqual(later, events.slice(2));
    const feedback = await client.runs.createFeedback(run.id, { thumbs: "up", comment: "good" });
    assert.equal(feedback.run_id, run.id);
    assert.equal((await client.runs.listFeedback(run.id).toArray()).length, 1);
    const token = await client.runs.createStreamToken(run.id);
    assert.equal(token.run, run.id);
    assert.ok(token.token);
  });
});

describe("tools", () => {
  test("built-ins listed and invoked; a custom HTTP tool's lifecycle", async () => {
    const builtins = await client.tools.list({ kind: "builtin" }).toArray();
    assert.ok(["http", "kv", "code", "retrieval"].every((n) => builtins.some((t) => t.name === n)), JSON.stringify(builtins.map((t) => t.name)));
    const key = uniq("k");
    await client.tools.invoke("kv", { input: { op: "set", key, value: { n: 1 } } });
    const read = await client.tools.invoke("kv", { input: { op: "get", key } });
    assert.deepEqual(read.output.value, { n: 1 });
    assert.equal(read.tool, "kv");

    const name = uniq("orders").replace(/-/g, "_");
    const tool = await client.tools.create({ name, description: "orders", body: {
      method: "GET", url: "https://api.example.com/orders/{order_id}",
      input_schema: { type: "object", required: ["order_id"], properties: { order_id: { type: "string" } } } } });
    assert.equal(tool.name, name);
    assert.equal(tool.latest_version, 1);
    const v2 = await client.tools.versions.create(tool.id, { method: "GET", url: "https://api.example.com/v2/orders/{order_id}" });
    assert.equal(v2.number, 2);
    assert.equal((await client.tools.versions.list(tool.id).toArray()).length, 2);
    assert.equal((await client.tools.versions.get(tool.id, 1)).number, 1);
    assert.equal((await client.tools.update(tool.id, { description: "orders v2" })).description, "orders v2");
    assert.equal((await client.tools.get(tool.id)).latest_version, 2);
    await client.tools.delete(tool.id);
    await assert.rejects(client.tools.get(tool.id), NotFoundError);
  });
});

describe("datasets and evals", () => {
  test("a dataset's versions, an eval over a scripted agent, its items and report", async () => {
    const agent = await scriptedAgent(client, { script: [{ echo: true }] });
    const dataset = await client.datasets.create({ name: uniq("ds"), items: [
      { id: "a", input: "alpha", expected: { text: "alpha" } },
      { id: "b", input: "beta", expected: { text: "beta" } }] });
    assert.equal(dataset.latest_version, 1);
    const v2 = await client.datasets.addItems(dataset.id, { items: [{ id: "c", input: "gamma", expected: { text: "wrong" } }] });
    assert.equal(v2.number, 2);
    const v3 = await client.datasets.addItems(dataset.id, {
      file: new Blob(['{"id": "d", "input": "delta", "expected": {"text": "delta"}}\n']), filename: "more.jsonl", format: "jsonl" });
    assert.equal(v3.number, 3);
    assert.equal((await client.datasets.versions.list(dataset.id).toArray()).length, 3);
    assert.equal((await client.datasets.get(dataset.id)).latest_version, 3);

    const started = await client.evals.create({ dataset: dataset.id, target: { agent: agent.id },
      metrics: [{ type: "exact", path: "text" }], thresholds: ["pass_rate(exact) >= 0.5"] });
    const finished = await client.evals.wait(started.id, { timeoutMs: 120_000 });
    assert.equal(finished.status, "succeeded", JSON.stringify(finished.error));
    assert.equal(finished.passed, true);
    const items = await client.evals.items(started.id, { limit: 1 }).toArray();
    assert.equal(items.length, 4);
    assert.deepEqual(items.filter((i) => i.passed === false).map((i) => i.item_id), ["c"]);
    const failedOnly = await client.evals.items(started.id, { failed: true }).toArray();
    assert.deepEqual(failedOnly.map((i) => i.item_id), ["c"]);
    assert.ok((await client.evals.list({ dataset: dataset.id }).toArray()).some((e) => e.id === started.id));
    const markdown = await client.evals.report(started.id, "markdown");
    assert.equal(typeof markdown, "string");
    assert.match(markdown, /exact/);
    assert.equal((await client.evals.report(started.id)).id, started.id);
    // Versions pinned by an eval are kept: deleting the dataset is a typed conflict.
    await assert.rejects(client.datasets.delete(dataset.id), (err) => err instanceof ConflictError && /pin/.test(err.detail));
  });
});

describe("traces", () => {
  test("summaries across runs, a run's spans, a run's whole trace", async () => {
    const agent = await scriptedAgent(client, { tools: ["kv"], script: [
      { tool_calls: [{ name: "kv", arguments: { op: "set", key: "t", value: "1" } }], text: "" }, { text: "ok" }] });
    const run = await client.runs.createAndWait({ agent: agent.id, input: { message: "trace me" } });
    assert.equal(run.status, "succeeded");
    const summaries = await client.traces.list({ agent: agent.id }).toArray();
    assert.deepEqual(summaries.map((s) => s.run_id), [run.id]);
    assert.ok(summaries[0].span_count >= 2);
    const spans = await client.traces.spans(run.id, { limit: 1 }).toArray();
    assert.equal(spans.length, summaries[0].span_count);
    assert.ok(spans.some((s) => s.kind === "model") && spans.some((s) => s.kind === "tool"));
    const trace = await client.traces.get(run.id);
    assert.equal(trace.run_id, run.id);
    assert.equal(trace.spans.length, spans.length);
  });
});

describe("secrets", () => {
  test("create, get, list, update, delete; the value is never returned", async () => {
    const name = uniq("TOKEN").toUpperCase().replace(/-/g, "_");
    const value = `s3cr3t-${uniq("v")}`;
    const secret = await client.secrets.create({ name, value, description: "api token" });
    assert.equal(secret.name, name);
    assert.ok(!JSON.stringify(secret).includes(value));
    const got = await client.secrets.get(name);
    assert.ok(!JSON.stringify(got).includes(value));
    const all = await client.secrets.list().toArray();
    assert.ok(all.some((s) => s.name === name));
    assert.ok(!JSON.stringify(all).includes(value));
    const updated = await client.secrets.update(name, { description: "rotated", value: `${value}-2` });
    assert.equal(updated.description, "rotated");
    await client.secrets.delete(name);
    await assert.rejects(client.secrets.get(name), NotFoundError);
  });
});

function chain(...nodes) {
  return { nodes, edges: nodes.slice(1).map((node, i) => ({ from: nodes[i].id, to: node.id })) };
}

describe("knowledge bases", () => {
  test("create, add documents (JSON and upload), wait for ingestion, query, delete", async () => {
    const { kb, text, upload } = await knowledgeBase;
    assert.equal((await client.knowledgeBases.get(kb.id)).name, kb.name);
    assert.equal((await client.knowledgeBases.update(kb.id, { description: "handbook" })).description, "handbook");
    assert.equal(text.status, "queued");
    for (const doc of [text, upload]) {
      const ready = await client.knowledgeBases.documents.waitUntilProcessed(kb.id, doc.id, { timeoutMs: 170_000 });
      assert.equal(ready.status, "ready", JSON.stringify(ready.error));
      assert.ok(ready.chunk_count >= 1);
    }
    assert.deepEqual((await client.knowledgeBases.documents.get(kb.id, upload.id)).metadata, { team: "logistics" });
    assert.equal((await client.knowledgeBases.documents.list(kb.id).toArray()).length, 2);
    const result = await client.knowledgeBases.query(kb.id, { query: "how long do refunds take", top_k: 1 });
    assert.equal(result.data.length, 1);
    assert.equal(result.data[0].document_id, text.id);
    const filtered = await client.knowledgeBases.query(kb.id, { query: "days", filter: { team: "logistics" } });
    assert.ok(filtered.data.length >= 1 && filtered.data.every((hit) => hit.document_id === upload.id));
    await client.knowledgeBases.documents.delete(kb.id, upload.id);
    await assert.rejects(client.knowledgeBases.documents.get(kb.id, upload.id), NotFoundError);
    await client.knowledgeBases.delete(kb.id);
    await assert.rejects(client.knowledgeBases.get(kb.id), NotFoundError);
  });
});
