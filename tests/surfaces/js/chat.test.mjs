// The official `openai` npm package against the platform's /v1. Driven by
// tests/surfaces/test_openai_npm.py, which starts the server and worker, creates the agents and
// passes AP_BASE_URL and AP_API_KEY.
import assert from "node:assert/strict";
import { test } from "node:test";
import OpenAI from "openai";

const client = new OpenAI({ baseURL: `${process.env.AP_BASE_URL}/v1`, apiKey: process.env.AP_API_KEY, maxRetries: 0 });

test("a non-streamed answer from an agent, with history", async () => {
  const { data, response } = await client.chat.completions
    .create({
      model: "agent:echo",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "earlier" },
        { role: "assistant", content: "ok" },
        { role: "user", content: "hello from node" },
      ],
    })
    .withResponse();
  assert.equal(data.object, "chat.completion");
  assert.equal(data.choices[0].message.content, "You said: hello from node");
  assert.equal(data.choices[0].finish_reason, "stop");
  assert.equal(data.id, `chatcmpl-${response.headers.get("x-run-id")}`);
  assert.ok(data.usage.total_tokens > 0);
});

test("a streamed answer arrives in chunks, then usage", async () => {
  const stream = await client.chat.completions.create({
    model: "agent:talker",
    messages: [{ role: "user", content: "count" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const texts = [];
  let usage = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, "chat.completion.chunk");
    const content = chunk.choices[0]?.delta?.content;
    if (content) texts.push(content);
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(texts.length >= 2, `expected several chunks, got ${texts.length}`);
  assert.equal(texts.join(""), "one two three four five six seven eight");
  assert.ok(usage && usage.total_tokens > 0);
});

test("a tool-using agent answers after its tool call", async () => {
  const answer = await client.chat.completions.create({
    model: "agent:keeper",
    messages: [{ role: "user", content: "milk" }],
  });
  assert.equal(answer.choices[0].message.content, "Stored: milk");
});

test("an unknown model and another project's agent are 404 in OpenAI's shape", async () => {
  for (const model of ["agent:nobody", "agent:theirs"]) {
    await assert.rejects(
      client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] }),
      (error) => error instanceof OpenAI.NotFoundError && error.code === "model_not_found" && error.param === "model",
    );
  }
});

test("a malformed body is a 400 naming the parameter", async () => {
  await assert.rejects(
    client.chat.completions.create({ model: "agent:echo", messages: [] }),
    (error) => error instanceof OpenAI.BadRequestError && error.param === "messages",
  );
});
