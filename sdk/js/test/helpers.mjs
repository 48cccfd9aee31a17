// Shared test helpers: the live server from the environment, unique names, scripted agents, and
// small HTTP proxies on 127.0.0.1 that sit between the SDK and the server to inject failures.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";

import { AgentPlatform } from "../dist/index.js";

/** `AGENT_PLATFORM_BASE_URL` / `AGENT_PLATFORM_API_KEY`, or the lines of `AGENT_PLATFORM_ENV_FILE`. */
export function liveServer() {
  const env = { ...process.env };
  if (env.AGENT_PLATFORM_ENV_FILE) {
    for (const line of readFileSync(env.AGENT_PLATFORM_ENV_FILE, "utf8").split("\n")) {
      const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (match && !env[match[1]]) env[match[1]] = match[2];
    }
  }
  const baseURL = env.AGENT_PLATFORM_BASE_URL;
  const apiKey = env.AGENT_PLATFORM_API_KEY;
  if (!baseURL || !apiKey) {
    throw new Error("set AGENT_PLATFORM_BASE_URL and AGENT_PLATFORM_API_KEY (or AGENT_PLATFORM_ENV_FILE): " +
      "the SDK tests run against a live server (sdk/testing/live_server.py start ...)");
  }
  return { baseURL: baseURL.replace(/\/+$/, ""), apiKey };
}

export function makeClient(options = {}) {
  const { baseURL, apiKey } = liveServer();
  return new AgentPlatform({ baseURL, apiKey, ...options });
}

export function uniq(prefix) {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

/** An agent whose model is the deterministic `scripted` provider (no network, no cost). */
export async function scriptedAgent(client, { name = uniq("agent"), script = [{ echo: true }], ...version } = {}) {
  const agent = await client.agents.create({ name });
  await client.agents.versions.create(agent.id, {
    model: `scripted/${name}`, model_settings: { script }, instructions: "Be brief.", ...version,
  });
  return agent;
}

/** Read a request's body. */
export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Send `req` (with its already-read `body`) to the live server; resolve with the upstream
 * response (an `http.IncomingMessage`, body unread). */
export function upstream(req, body) {
  const target = new URL(liveServer().baseURL);
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: target.host };
    const out = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, resolve);
    out.on("error", reject);
    out.end(body);
  });
}

/** Forward to the live server and relay its whole answer; resolves with `{status, headers, body}`. */
export async function relay(req, body, res) {
  const answer = await upstream(req, body);
  const data = await readBody(answer);
  res.writeHead(answer.statusCode, answer.headers);
  res.end(data);
  return { status: answer.statusCode, headers: answer.headers, body: data };
}

/** Stream an upstream answer to the client; when the client goes away, hang up upstream too. */
export function pipeThrough(answer, res) {
  res.writeHead(answer.statusCode, answer.headers);
  res.on("close", () => answer.destroy());
  answer.pipe(res);
}

/** A problem+json answer. */
export function problem(res, status, code, headers = {}) {
  const body = JSON.stringify({ type: `https://agent-platform.dev/problems/${code}`, title: code, status, detail: `injected ${code}` });
  res.writeHead(status, { "content-type": "application/problem+json", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** An HTTP server on 127.0.0.1 whose `handle(req, body, res)` decides each answer (usually by
 * relaying to the live server, or not). `close()` also drops open connections. */
export async function startProxy(handle) {
  const sockets = new Set();
  const server = http.createServer(async (req, res) => {
    try {
      await handle(req, await readBody(req), res);
    } catch (err) {
      if (!res.headersSent) res.writeHead(599);
      res.destroy(err);
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(resolve);
    }),
  };
}

/** A client for the live server's key, pointed at `baseURL` (a proxy). */
export function clientVia(baseURL, options = {}) {
  return new AgentPlatform({ baseURL, apiKey: liveServer().apiKey, ...options });
}
