import type { RequestOptions } from "../core.js";
import type * as m from "../models.js";
import type { Paginator } from "../pagination.js";
import { Resource, path } from "./base.js";
import { pollUntil } from "./knowledge-bases.js";
import type { WaitOptions } from "./knowledge-bases.js";

const EVAL_DONE = new Set(["succeeded", "failed", "cancelled"]);

export interface EvalListParams {
  status?: string;
  agent?: string;
  workflow?: string;
  dataset?: string;
  kind?: string;
  limit?: number;
}

export interface EvalItemListParams {
  status?: string;
  failed?: boolean;
  regressed?: boolean;
  tag?: string;
  limit?: number;
}

/** `/evals`: a version (or environment) of an agent or workflow run over a dataset and scored. */
export class Evals extends Resource {
  /** Start an eval (202: it runs on the workers). */
  create(body: m.EvalCreateParams, options?: RequestOptions): Promise<m.Eval> {
    return this.http.request({ method: "POST", path: "/evals", body, idempotent: true, options });
  }

  get(id: string, options?: RequestOptions): Promise<m.Eval> {
    return this.http.request({ method: "GET", path: path("/evals", id), options });
  }

  list(params?: EvalListParams, options?: RequestOptions): Paginator<m.Eval> {
    return this.paginate("/evals", { ...params }, options);
  }

  /** Per-item results: input, output, scores, pass/fail. */
  items(id: string, params?: EvalItemListParams, options?: RequestOptions): Paginator<m.EvalItem> {
    return this.paginate(path("/evals", id, "/items"), { ...params }, options);
  }

  cancel(id: string, options?: RequestOptions): Promise<m.Eval> {
    return this.http.request({ method: "POST", path: path("/evals", id, "/cancel"), options });
  }

  /** The report as JSON (the eval), or rendered as `markdown`/`junit` text. */
  report(id: string, format?: "json", options?: RequestOptions): Promise<m.Eval>;
  report(id: string, format: "markdown" | "junit", options?: RequestOptions): Promise<string>;
  report(id: string, format: string = "json", options?: RequestOptions): Promise<m.Eval | string> {
    return this.http.request({ method: "GET", path: path("/evals", id, "/report"), query: { format }, options });
  }

  /** Poll until the eval has finished (evals have no event stream). */
  wait(id: string, options: WaitOptions = {}): Promise<m.Eval> {
    return pollUntil(() => this.get(id, options.signal ? { signal: options.signal } : {}),
      (ev) => EVAL_DONE.has(String(ev.status)), options, `eval ${id}`);
  }
}
