/**
 * `streamRun()`: a run's events as an async iterator that survives dropped connections.
 *
 * The server sends Server-Sent Events whose `id:` is the event's `seq` (1, 2, 3… with no gaps)
 * and replays everything after `Last-Event-ID` on a new connection. The iterator remembers the
 * last seq it yielded; whenever the connection ends before the run's terminal event — a reset,
 * a proxy cutting it, a silent connection past `idleTimeoutMs`, or a clean EOF — it reconnects
 * with `Last-Event-ID` after a backoff, skips anything at or below that seq, and so yields every
 * event exactly once, in order. It gives up (`StreamError`) after `maxReconnects` attempts in a
 * row that brought no new event; a 4xx other than 408/429 is thrown at once as its typed error.
 */
import { createParser } from "eventsource-parser";
import type { EventSourceMessage } from "eventsource-parser";

import type { HttpClient } from "./core.js";
import { APIError, StreamError } from "./errors.js";
import type { RunEvent, Run } from "./models.js";
import type { Page } from "./pagination.js";
import { backoffDelay, isRetryableStatus, parseRetryAfter, resolveRetry, sleep } from "./retry.js";
import type { RetryOptions } from "./retry.js";

export const TERMINAL_EVENTS: ReadonlySet<string> = new Set(["run.succeeded", "run.failed", "run.cancelled", "run.timed_out"]);
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled", "timed_out"]);

export interface StreamOptions {
  /** Start after this seq (default 0: every event from the first). */
  afterSeq?: number;
  /** Reconnect attempts in a row without a new event before giving up. Default 5. */
  maxReconnects?: number;
  /** Backoff between reconnects (`initialDelayMs`, `maxDelayMs`, `jitter`). Default 250 ms → 5 s. */
  backoff?: Pick<RetryOptions, "initialDelayMs" | "maxDelayMs" | "jitter">;
  /** A connection silent for this long is treated as dropped (the server sends a heartbeat
   * every 15 s). Default 45 s. */
  idleTimeoutMs?: number;
  /** Timeout for each connection's response headers. Default: the client's `timeoutMs`. */
  connectTimeoutMs?: number;
  /** Stop streaming (the iterator rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** The events of run `runId`, each once, in seq order, ending with its terminal event. */
export async function* streamRunEvents(http: HttpClient, runId: string, options: StreamOptions = {}): AsyncGenerator<RunEvent, void, undefined> {
  const path = `/runs/${encodeURIComponent(runId)}/stream`;
  const maxReconnects = options.maxReconnects ?? 5;
  const backoff = resolveRetry({ initialDelayMs: 250, maxDelayMs: 5_000, ...(options.backoff ?? {}) });
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  const signal = options.signal;
  let lastSeq = options.afterSeq ?? 0;
  let failures = 0;
  // The server keeps a stream opened after the terminal event open (heartbeats only): a caller
  // resuming past the end gets an empty, finished iterator instead.
  if (lastSeq > 0 && (await isFinished(http, runId, lastSeq, signal))) return;
  for (;;) {
    const connection = new AbortController();
    const onAbort = () => connection.abort(signal?.reason);
    if (signal?.aborted) throw signal.reason;
    signal?.addEventListener("abort", onAbort, { once: true });
    let progressed = false;
    let failure: unknown;
    try {
      const headers: Record<string, string> = { Accept: "text/event-stream", "Cache-Control": "no-cache" };
      if (lastSeq > 0) headers["Last-Event-ID"] = String(lastSeq);
      const response = await http.open({
        path, headers, signal: connection.signal,
        ...(options.connectTimeoutMs !== undefined ? { timeoutMs: options.connectTimeoutMs } : {}),
      });
      for await (const message of sseMessages(response, connection, idleTimeoutMs)) {
        const event = JSON.parse(message.data) as RunEvent;
        const seq = message.id !== undefined && message.id !== "" ? Number(message.id) : event.seq;
        if (!(seq > lastSeq)) continue; // replayed after a reconnect: already yielded
        lastSeq = seq;
        progressed = true;
        failures = 0;
        yield event;
        if (TERMINAL_EVENTS.has(event.type)) return;
      }
      failure = new Error("the stream ended before the run's terminal event");
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (err instanceof APIError && !isRetryableStatus(err)) throw err;
      failure = err;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      connection.abort();
    }
    if (!progressed && (await isFinished(http, runId, lastSeq, signal))) return; // nothing more will come
    failures += 1;
    if (failures > maxReconnects) {
      throw new StreamError(`run ${runId}: stream lost after ${maxReconnects} reconnect attempts without a new event (last seq ${lastSeq})`, lastSeq, { cause: failure });
    }
    const retryAfter = failure instanceof APIError ? parseRetryAfter(failure.headers.get("retry-after")) : undefined;
    await sleep(retryAfter ?? backoffDelay(failures - 1, backoff), signal);
  }
}

/** Has the run finished with no event after `afterSeq`? */
async function endedBefore(http: HttpClient, runId: string, afterSeq: number, signal: AbortSignal | undefined): Promise<boolean> {
  const options = { retry: false as const, ...(signal ? { signal } : {}) };
  const run = await http.request<Run>({ method: "GET", path: `/runs/${encodeURIComponent(runId)}`, options });
  if (!TERMINAL_STATUSES.has(run.status ?? "")) return false;
  const page = await http.request<Page<RunEvent>>({
    method: "GET", path: `/runs/${encodeURIComponent(runId)}/events`, query: { after_seq: afterSeq, limit: 1 }, options });
  return page.data.length === 0;
}

/** `endedBefore`, for a connection that brought nothing: a failure to ask counts as "not yet". */
async function isFinished(http: HttpClient, runId: string, lastSeq: number, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    return await endedBefore(http, runId, lastSeq, signal);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (err instanceof APIError && !isRetryableStatus(err)) throw err;
    return false;
  }
}

/** The SSE messages of one response body; ends at EOF, throws when the connection fails or
 * stays silent past `idleTimeoutMs`. Comments (heartbeats) only reset the idle timer. */
async function* sseMessages(response: Response, connection: AbortController, idleTimeoutMs: number): AsyncGenerator<EventSourceMessage, void, undefined> {
  if (!response.body) return;
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => queue.push(message) });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => connection.abort(new Error(`no data for ${idleTimeoutMs} ms`)), idleTimeoutMs);
  };
  try {
    arm();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      arm();
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length > 0) yield queue.shift() as EventSourceMessage;
    }
  } finally {
    clearTimeout(idle);
    reader.cancel().catch(() => undefined);
  }
}
