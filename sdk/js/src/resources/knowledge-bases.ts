import type { HttpClient, RequestOptions } from "../core.js";
import type * as m from "../models.js";
import type { Paginator } from "../pagination.js";
import { sleep } from "../retry.js";
import { Resource, path } from "./base.js";
import type { ListParams } from "./base.js";

/** A file upload (multipart): text, Markdown, HTML or PDF. */
export interface DocumentUpload {
  file: Blob;
  filename: string;
  name?: string;
  metadata?: Record<string, unknown>;
}

export interface WaitOptions {
  /** Between polls. Default 250 ms. */
  pollIntervalMs?: number;
  /** Give up (rejecting with a timeout error) after this long. Default 120 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const DOCUMENT_DONE = new Set(["ready", "failed"]);

/** `/knowledge-bases/{id}/documents`: ingestion runs as a background job (status `queued →
 * processing → ready | failed`). */
export class Documents extends Resource {
  /** JSON `{name, text | url, metadata}` or a file upload; answers 202 with the queued document. */
  create(knowledgeBaseId: string, body: m.DocumentCreateParams | DocumentUpload, options?: RequestOptions): Promise<m.Document> {
    let payload: unknown = body;
    if ("file" in body && body.file instanceof Blob) {
      const form = new FormData();
      form.set("file", body.file, body.filename);
      if (body.name) form.set("name", body.name);
      if (body.metadata) form.set("metadata", JSON.stringify(body.metadata));
      payload = form;
    }
    return this.http.request({ method: "POST", path: path("/knowledge-bases", knowledgeBaseId, "/documents"), body: payload, idempotent: true, options });
  }

  list(knowledgeBaseId: string, params?: ListParams, options?: RequestOptions): Paginator<m.Document> {
    return this.paginate(path("/knowledge-bases", knowledgeBaseId, "/documents"), params, options);
  }

  get(knowledgeBaseId: string, documentId: string, options?: RequestOptions): Promise<m.Document> {
    return this.http.request({ method: "GET", path: path("/knowledge-bases", knowledgeBaseId, "/documents", documentId), options });
  }

  delete(knowledgeBaseId: string, documentId: string, options?: RequestOptions): Promise<void> {
    return this.http.request({ method: "DELETE", path: path("/knowledge-bases", knowledgeBaseId, "/documents", documentId), options });
  }

  reindex(knowledgeBaseId: string, documentId: string, options?: RequestOptions): Promise<m.Document> {
    return this.http.request({ method: "POST", path: path("/knowledge-bases", knowledgeBaseId, "/documents", documentId, "/reindex"), options });
  }

  /** Poll until the document is `ready` or `failed` (ingestion has no event stream). */
  async waitUntilProcessed(knowledgeBaseId: string, documentId: string, options: WaitOptions = {}): Promise<m.Document> {
    return pollUntil(() => this.get(knowledgeBaseId, documentId, options.signal ? { signal: options.signal } : {}),
      (document) => DOCUMENT_DONE.has(document.status ?? ""), options, `document ${documentId}`);
  }
}

/** `/knowledge-bases`: RAG stores with their documents and queries. */
export class KnowledgeBases extends Resource {
  readonly documents: Documents;

  constructor(http: HttpClient) {
    super(http);
    this.documents = new Documents(http);
  }

  list(params?: ListParams, options?: RequestOptions): Paginator<m.KnowledgeBase> {
    return this.paginate("/knowledge-bases", params, options);
  }

  create(body: m.KnowledgeBaseCreateParams, options?: RequestOptions): Promise<m.KnowledgeBase> {
    return this.http.request({ method: "POST", path: "/knowledge-bases", body, idempotent: true, options });
  }

  get(id: string, options?: RequestOptions): Promise<m.KnowledgeBase> {
    return this.http.request({ method: "GET", path: path("/knowledge-bases", id), options });
  }

  update(id: string, body: m.KnowledgeBaseUpdateParams, options?: RequestOptions): Promise<m.KnowledgeBase> {
    return this.http.request({ method: "PATCH", path: path("/knowledge-bases", id), body, options });
  }

  delete(id: string, options?: RequestOptions): Promise<void> {
    return this.http.request({ method: "DELETE", path: path("/knowledge-bases", id), options });
  }

  /** Top-k chunks for a query (`mode`: `vector` or `hybrid`; `filter` on metadata). */
  query(id: string, body: m.QueryParams, options?: RequestOptions): Promise<m.QueryResult> {
    return this.http.request({ method: "POST", path: path("/knowledge-bases", id, "/query"), body, options });
  }
}

/** Call `fetch` every `pollIntervalMs` until `done(value)`, at most `timeoutMs`. */
export async function pollUntil<T>(fetchValue: () => Promise<T>, done: (value: T) => boolean, options: WaitOptions, what: string): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const value = await fetchValue();
    if (done(value)) return value;
    if (Date.now() >= deadline) throw new Error(`${what}: not finished after ${options.timeoutMs ?? 120_000} ms`);
    await sleep(options.pollIntervalMs ?? 250, options.signal);
  }
}
