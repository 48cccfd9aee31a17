// Typed errors on 4xx from the live server, carrying the problem+json fields.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { performance } from "node:perf_hooks";

import {
  APIError, AgentPlatform, AuthenticationError, BadRequestError, ConflictError, NotFoundError,
  UnprocessableEntityError,
} from "../dist/index.js";
import { liveServer, makeClient, scriptedAgent, uniq } from "./helpers.mjs";

const client = makeClient();
let agent;

before(async () => {
  agent = await scriptedAgent(client, { name: uniq("errs") });
});

function problemOf(cls, status, code) {
  return (err) => {
    assert.ok(err instanceof cls, `${err?.name}: ${err?.message}`);
    assert.ok(err instanceof APIError);
    assert.equal(err.status, status);
    assert.equal(err.code, code);
    assert.equal(err.type, `https://agent-platform.dev/problems/${code}`);
    assert.equal(err.body.status, status);
    assert.ok(err.title && err.detail);
    return true;
  };
}

test("404: another project's or a missing object is a NotFoundError", async () => {
  await assert.rejects(client.agents.get(uniq("missing")), problemOf(NotFoundError, 404, "not_found"));
  await assert.rejects(client.runs.get("run_nope"), NotFoundError);
});

test("400: a bad field is named in errors", async () => {
  await assert.rejects(client.agents.create({ name: "" }), (err) => {
    assert.ok(err instanceof BadRequestError, err.message);
    assert.equal(err.status, 400);
    assert.equal(err.code, "validation_error");
    assert.ok(Array.isArray(err.errors.name) && err.errors.name.length > 0, JSON.stringify(err.errors));
    return true;
  });
  await assert.rejects(client.runs.list({ limit: 0 }).firstPage(), (err) => {
    assert.ok(err instanceof BadRequestError);
    assert.deepEqual(Object.keys(err.errors), ["limit"]);
    return true;
  });
});

test("422: input that does not match the agent's schema names the field", async () => {
  await assert.rejects(client.runs.create({ agent: agent.id, input: { message: 42 } }), (err) => {
    assert.ok(err instanceof UnprocessableEntityError, err.message);
    assert.equal(err.status, 422);
    assert.equal(err.code, "invalid_input");
    assert.deepEqual(Object.keys(err.errors), ["input.message"]);
    return true;
  });
});

test("409: cancelling a finished run is a ConflictError", async () => {
  const run = await client.runs.createAndWait({ agent: agent.id, input: { message: "done" } });
  assert.equal(run.status, "succeeded");
  await assert.rejects(client.runs.cancel(run.id), (err) => err instanceof ConflictError && err.status === 409);
});

test("401: a bad key is an AuthenticationError, thrown without retrying", async () => {
  const bad = new AgentPlatform({ baseURL: liveServer().baseURL, apiKey: "ap_not_a_key" });
  const started = performance.now();
  await assert.rejects(bad.agents.list().firstPage(), problemOf(AuthenticationError, 401, "authentication_failed"));
  assert.ok(performance.now() - started < 400, "a 4xx is not retried");
});
