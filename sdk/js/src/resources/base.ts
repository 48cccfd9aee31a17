/** What every resource shares: the transport, path building and list paginators. */
import type { HttpClient, Query, RequestOptions } from "../core.js";
import { Paginator } from "../pagination.js";
import type { Page } from "../pagination.js";

/** Filters of a list call, plus the page size (`limit`, 1–200). */
export interface ListParams {
  limit?: number;
  [filter: string]: string | number | boolean | string[] | null | undefined;
}

export abstract class Resource {
  constructor(protected readonly http: HttpClient) {}

  /** A lazy paginator over `GET path` that follows `next_cursor` with `?cursor=`. */
  protected paginate<T>(path: string, params: Query | undefined, options?: RequestOptions): Paginator<T> {
    return new Paginator<T>((cursor) =>
      this.http.request<Page<T>>({ method: "GET", path, query: { ...(params ?? {}), cursor }, options }));
  }
}

/** `/segment/{id}/…` with each id URL-encoded. */
export function path(...parts: Array<string | number>): string {
  return parts.map((part, index) => (index % 2 === 0 ? String(part) : `/${encodeURIComponent(String(part))}`)).join("");
}
