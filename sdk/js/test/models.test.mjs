// The SDK's types are the served contract: src/models.ts must be exactly what
// scripts/generate-models.mjs renders from the live server's OpenAPI document, so a field added,
// removed, renamed, retyped or made optional on the server fails here until the SDK is regenerated.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";

import { TYPE_NAMES, loadDocument, renderModels } from "../scripts/generate-models.mjs";
import { liveServer } from "./helpers.mjs";

const { baseURL } = liveServer();

test("src/models.ts matches the served OpenAPI component schemas", async () => {
  const document = await loadDocument(`${baseURL}/api/v1/schema/?format=json`);
  const expected = renderModels(document);
  const committed = await readFile(new URL("../src/models.ts", import.meta.url), "utf8");
  if (committed !== expected) {
    const want = expected.split("\n");
    const have = committed.split("\n");
    const drift = [
      ...want.filter((line) => !have.includes(line)).map((line) => `+ ${line}`),
      ...have.filter((line) => !want.includes(line)).map((line) => `- ${line}`),
    ].slice(0, 40);
    assert.fail(`the API drifted from the SDK's types (npm run generate-models):\n${drift.join("\n")}`);
  }
});

test("every declared field list equals its component's properties", async () => {
  const document = await loadDocument(`${baseURL}/api/v1/schema/?format=json`);
  const models = await readFile(new URL("../src/models.ts", import.meta.url), "utf8");
  for (const [component, name] of Object.entries(TYPE_NAMES)) {
    const block = new RegExp(`export interface ${name} \\{\\n([\\s\\S]*?)\\n\\}`).exec(models);
    assert.ok(block, `src/models.ts declares ${name}`);
    const declared = [...block[1].matchAll(/^ {2}(?:readonly )?"?([A-Za-z0-9_$]+)"?\??:/gm)].map((m) => m[1]).sort();
    const served = Object.keys(document.components.schemas[component].properties ?? {}).sort();
    assert.deepEqual(declared, served, `${name} (${component})`);
  }
});
