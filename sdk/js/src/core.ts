/**
 * The transport every resource uses: one `fetch` per attempt, JSON in and out, typed errors, the
 * retry loop and the per-create `Idempotency-Key` (generated once per call, sent unchanged on
 * every retry, so a create whose answer was lost is replayed by the server, not repeated).
 */
import { randomUUID } from "node:crypto";

import { APIConnectionError, APIError, APITimeoutError, errorFromResponse } from "./errors.js";
import { DEFAULT_RETRY, backoffDelay, isRetryableStatus, parseRetryAfter, resolveRetry, sleep } from "./retry.js";
import type { ResolvedRetry, RetryOptions } from "./retry.js";

export const VERSION = "0.1.0";

export interface ClientOptions {
  /** Default: `AGENT_PLATFORM_BASE_URL`, else `http://127.0.0.1:8000`. */
  baseURL?: string;
  /** Default: `AGENT_PLATFORM_API_KEY`. */
  apiKey?: string;
  /** Per attempt: from sending the request to reading the whole answer. Default 60 s. */
  timeoutMs?: number;
  /** Retry policy for every call; `false` turns retries off. */
  retry?: RetryOptions | false;
  /** Headers added to every request. */
  headers?: Record<string, string>;
  /** A `fetch` implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** Options every method takes as its last argument. */
export interface RequestOptions {
  /** Abort the call (and its retries and backoff waits). */
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout for this call. */
  timeoutMs?: number;
  /** Overrides the client's retry policy for this call; `false`: one attempt. */
  retry?: RetryOptions | false;
  /** The `Idempotency-Key` of a create (default: a random UUID per call). */
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

export type Query = Record<string, string | number | boolean | string[] | null | undefined>;

export interface HttpRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  query?: Query | undefined;
  /** A JSON value, or `FormData` for a multipart upload. */
  body?: unknown;
  /** A create (or another POST the server deduplicates): send an `Idempotency-Key`, reused
   * across this call's retries. Other POSTs are retried after a transport error only when the
   * connection was refused (the request cannot have arrived). */
  idempotent?: boolean;
  options?: RequestOptions | undefined;
}

export interface OpenRequest {
  path: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export class HttpClient {
  readonly baseURL: string;
  readonly timeoutMs: number;
  readonly retry: ResolvedRetry;
  private readonly apiKey: string | undefined;
  private readonly headers: Record<string, string>;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ClientOptions = {}) {
    const base = options.baseURL ?? process.env.AGENT_PLATFORM_BASE_URL ?? "http://127.0.0.1:8000";
    this.baseURL = base.replace(/\/+$/, "");
    this.apiKey = options.apiKey ?? process.env.AGENT_PLATFORM_API_KEY;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.retry = resolveRetry(options.retry, DEFAULT_RETRY);
    this.headers = options.headers ?? {};
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  url(path: string, query?: Query): string {
    const url = new URL(`${this.baseURL}/api/v1${path}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue;
      url.searchParams.set(name, Array.isArray(value) ? value.join(",") : String(value));
    }
    return url.toString();
  }

  /** Send a request with retries; the parsed JSON answer (undefined for 204). */
  async request<T>(req: HttpRequest): Promise<T> {
    const options = req.options ?? {};
    const policy = options.retry === undefined ? this.retry : resolveRetry(options.retry, this.retry);
    const headers = this.baseHeaders(options.headers);
    headers["Accept"] = "application/json";
    let body: string | FormData | undefined;
    if (req.body instanceof FormData) {
      body = req.body;
    } else if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers["Content-Type"] = "application/json";
    }
    if (req.idempotent) headers["Idempotency-Key"] = options.idempotencyKey ?? randomUUID();
    const url = this.url(req.path, req.query);
    for (let retry = 0; ; retry += 1) {
      const attempt = new Attempt(options.signal, options.timeoutMs ?? this.timeoutMs);
      let response: Response;
      let parsed: unknown;
      try {
        response = await this.fetchImpl(url, { method: req.method, headers, body, signal: attempt.signal });
        parsed = await readBody(response);
      } catch (err) {
        attempt.done();
        if (options.signal?.aborted) throw options.signal.reason;
        const failure = attempt.timedOut
          ? new APITimeoutError(`${req.method} ${req.path} timed out after ${attempt.timeoutMs} ms`, { cause: err })
          : new APIConnectionError(`${req.method} ${req.path}: ${describe(err)}`, { cause: err });
        // A POST the server does not deduplicate is repeated only if it never left (refused).
        const safe = req.method !== "POST" || req.idempotent === true;
        if (retry >= policy.maxRetries || (!safe && causeCode(err) !== "ECONNREFUSED")) throw failure;
        await sleep(backoffDelay(retry, policy), options.signal);
        continue;
      }
      attempt.done();
      if (response.ok) return parsed as T;
      const error = errorFromResponse(response.status, parsed, response.headers);
      const wait = retryWait(error, retry, policy);
      if (wait === undefined) throw error;
      await sleep(wait, options.signal);
    }
  }

  /** One attempt at a streaming GET: the open response (2xx) or a typed error. The timeout covers
   * only the wait for the headers; the caller reads (and aborts) the body. */
  async open(req: OpenRequest): Promise<Response> {
    const headers = { ...this.baseHeaders(req.headers), ...(req.headers ?? {}) };
    const attempt = new Attempt(req.signal, req.timeoutMs ?? this.timeoutMs);
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(req.path), { method: "GET", headers, signal: attempt.signal });
    } catch (err) {
      attempt.done();
      if (req.signal?.aborted) throw req.signal.reason;
      throw attempt.timedOut
        ? new APITimeoutError(`GET ${req.path} timed out after ${attempt.timeoutMs} ms`, { cause: err })
        : new APIConnectionError(`GET ${req.path}: ${describe(err)}`, { cause: err });
    }
    // The body outlives the timeout but stays tied to the caller's signal (which aborts it).
    attempt.clearTimer();
    if (response.ok) return response;
    attempt.done();
    throw errorFromResponse(response.status, await readBody(response).catch(() => undefined), response.headers);
  }

  private baseHeaders(extra?: Record<string, string>): Record<string, string> {
    const headers: Record<string, string> = { "User-Agent": `agent-platform-sdk-js/${VERSION}`, ...this.headers };
    if (this.apiKey) headers["Authorization"] = `Bearer ${this.apiKey}`;
    return { ...headers, ...(extra ?? {}) };
  }
}

/** How long to wait before retrying after this error, or undefined to throw it now. */
export function retryWait(error: APIError, retry: number, policy: ResolvedRetry): number | undefined {
  if (retry >= policy.maxRetries || !isRetryableStatus(error)) return undefined;
  const retryAfter = parseRetryAfter(error.headers.get("retry-after"));
  if (retryAfter === undefined) return backoffDelay(retry, policy);
  return retryAfter <= policy.maxRetryAfterMs ? retryAfter : undefined;
}

/** The signal of one attempt: the caller's signal plus the per-attempt timeout. */
class Attempt {
  readonly signal: AbortSignal;
  timedOut = false;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly unlink: () => void;

  constructor(parent: AbortSignal | undefined, readonly timeoutMs: number) {
    this.signal = this.controller.signal;
    const onAbort = () => this.controller.abort(parent?.reason);
    if (parent?.aborted) onAbort();
    parent?.addEventListener("abort", onAbort, { once: true });
    this.unlink = () => parent?.removeEventListener("abort", onAbort);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new Error("timeout"));
    }, timeoutMs);
  }

  clearTimer(): void {
    clearTimeout(this.timer);
  }

  done(): void {
    clearTimeout(this.timer);
    this.unlink();
  }
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text();
  if (text === "") return undefined;
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function causeCode(err: unknown): string | undefined {
  const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
  return cause?.code;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause as { code?: string; message?: string } | undefined;
    return cause?.code ? `${err.message} (${cause.code})` : err.message;
  }
  return String(err);
}
