import type { RequestOptions } from "../core.js";
import type * as m from "../models.js";
import { Paginator } from "../pagination.js";
import type { Page } from "../pagination.js";
import { TERMINAL_EVENTS, TERMINAL_STATUSES, streamRunEvents } from "../streaming.js";
import type { StreamOptions } from "../streaming.js";
import { Resource, path } from "./base.js";

export interface RunListParams {
  status?: string;
  agent?: string;
  workflow?: string;
  environment?: "dev" | "stage" | "prod";
  limit?: number;
}

/** Options of the helpers that create a run and follow its stream. */
export interface CreateAndStreamOptions extends RequestOptions {
  stream?: Omit<StreamOptions, "afterSeq" | "signal">;
}

/** A created run and its events: iterate it for every event once, in order. */
export class RunStream implements AsyncIterable<m.RunEvent> {
  constructor(readonly run: m.Run, private readonly events: () => AsyncGenerator<m.RunEvent, void, undefined>) {}

  [Symbol.asyncIterator](): AsyncGenerator<m.RunEvent, void, undefined> {
    return this.events();
  }
}

/** `/runs`: create, read, control and stream runs of agents and workflows. */
export class Runs extends Resource {
  /** Queue a run (`{agent | workflow, version? | environment?, input, metadata?, webhook_url?}`).
   * Sent with an `Idempotency-Key` (yours via `options.idempotencyKey`, else a fresh one) that
   * every retry of this call reuses, so a retried create never makes a second run. */
  create(body: m.RunCreateParams, options?: RequestOptions): Promise<m.Run> {
    return this.http.request({ method: "POST", path: "/runs", body, idempotent: true, options });
  }

  get(id: string, options?: RequestOptions): Promise<m.Run> {
    return this.http.request({ method: "GET", path: path("/runs", id), options });
  }

  /** Runs, newest first, filtered by status, agent, workflow, environment. */
  list(params?: RunListParams, options?: RequestOptions): Paginator<m.Run> {
    return this.paginate("/runs", { ...params }, options);
  }

  cancel(id: string, options?: RequestOptions): Promise<m.Run> {
    return this.http.request({ method: "POST", path: path("/runs", id, "/cancel"), options });
  }

  /** Answer a waiting run: `{input}` for a human-input node, `{approve, reason?}` for a tool approval. */
  resume(id: string, body: m.RunResumeParams, options?: RequestOptions): Promise<m.Run> {
    return this.http.request({ method: "POST", path: path("/runs", id, "/resume"), body, options });
  }

  /** A new run retrying a failed workflow run from its failed node (or `from_node`), reusing completed outputs. */
  retry(id: string, body: m.RunRetryParams = {}, options?: RequestOptions): Promise<m.Run> {
    return this.http.request({ method: "POST", path: path("/runs", id, "/retry"), body, idempotent: true, options });
  }

  /** A new run from one of this run's checkpoints, optionally patching its state. */
  fork(id: string, body: m.RunForkParams, options?: RequestOptions): Promise<m.Run> {
    return this.http.request({ method: "POST", path: path("/runs", id, "/fork"), body, idempotent: true, options });
  }

  /** The checkpoints `fork` can start from. */
  checkpoints(id: string, options?: RequestOptions): Paginator<m.Checkpoint> {
    return this.paginate(path("/runs", id, "/checkpoints"), {}, options);
  }

  /** Stored events after `afterSeq`, page by page (`limit` per page). */
  events(id: string, params: { afterSeq?: number; limit?: number } = {}, options?: RequestOptions): Paginator<m.RunEvent> {
    return new Paginator<m.RunEvent>((cursor) => this.http.request<Page<m.RunEvent>>({
      method: "GET", path: path("/runs", id, "/events"),
      query: { after_seq: cursor ?? params.afterSeq, limit: params.limit }, options,
    }));
  }

  /** Record human feedback on a run. */
  createFeedback(id: string, body: m.FeedbackCreateParams, options?: RequestOptions): Promise<m.Feedback> {
    return this.http.request({ method: "POST", path: path("/runs", id, "/feedback"), body, options });
  }

  listFeedback(id: string, options?: RequestOptions): Paginator<m.Feedback> {
    return this.paginate(path("/runs", id, "/feedback"), {}, options);
  }

  /** A short-lived token for `GET /runs/{id}/stream?token=` (browsers' EventSource cannot send headers). */
  createStreamToken(id: string, options?: RequestOptions): Promise<m.StreamToken> {
    return this.http.request({ method: "POST", path: path("/runs", id, "/stream-token"), options });
  }

  /** The run's events, resumable: see `streamRunEvents`. */
  stream(id: string, options?: StreamOptions): AsyncGenerator<m.RunEvent, void, undefined> {
    return streamRunEvents(this.http, id, options);
  }

  /** Create a run and follow its events from the first. */
  async createAndStream(body: m.RunCreateParams, options: CreateAndStreamOptions = {}): Promise<RunStream> {
    const { stream, ...request } = options;
    const run = await this.create(body, request);
    const signal = request.signal;
    return new RunStream(run, () => this.stream(run.id, { ...(stream ?? {}), ...(signal ? { signal } : {}) }));
  }

  /** Create a run and resolve with it once it has finished, or is waiting for input. */
  async createAndWait(body: m.RunCreateParams, options: CreateAndStreamOptions = {}): Promise<m.Run> {
    const { stream, ...request } = options;
    const run = await this.create(body, request);
    return this.wait(run.id, { ...(stream ?? {}), ...(request.signal ? { signal: request.signal } : {}) });
  }

  /** Resolve with the run once it has finished (a terminal event) or is waiting for input;
   * follows its stream rather than polling. */
  async wait(id: string, options: Omit<StreamOptions, "afterSeq"> = {}): Promise<m.Run> {
    const read = options.signal ? { signal: options.signal } : {};
    for await (const event of this.stream(id, options)) {
      if (TERMINAL_EVENTS.has(event.type)) return this.get(id, read);
      if (event.type === "run.waiting") {
        const run = await this.get(id, read); // an old pause, already answered, is not a reason to stop
        if (run.status === "waiting") return run;
      }
    }
    const run = await this.get(id, read);
    if (TERMINAL_STATUSES.has(run.status ?? "")) return run;
    throw new Error(`run ${id}: the stream ended without a terminal event`);
  }
}
