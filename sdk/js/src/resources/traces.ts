import type { RequestOptions } from "../core.js";
import type * as m from "../models.js";
import type { Paginator } from "../pagination.js";
import { Resource, path } from "./base.js";

export interface TraceListParams {
  agent?: string;
  workflow?: string;
  version?: number;
  environment?: "dev" | "stage" | "prod";
  /** One status or several. */
  status?: string | string[];
  /** RFC 3339 times. */
  since?: string;
  until?: string;
  limit?: number;
}

/** `/traces`: one summary per run across runs, or the spans of one run. */
export class Traces extends Resource {
  /** Run-level summaries (tokens, cost, latency, span count), newest first. */
  list(params?: TraceListParams, options?: RequestOptions): Paginator<m.TraceSummary> {
    return this.paginate("/traces", { ...params }, options);
  }

  /** The spans of one run (`GET /traces?run=`). */
  spans(runId: string, params?: { limit?: number }, options?: RequestOptions): Paginator<m.Span> {
    return this.paginate("/traces", { ...params, run: runId }, options);
  }

  /** A run's whole trace: every span (parent links form the tree) and totals. */
  get(runId: string, options?: RequestOptions): Promise<m.Trace> {
    return this.http.request({ method: "GET", path: path("/traces", runId), options });
  }
}
