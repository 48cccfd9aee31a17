import type { HttpClient, RequestOptions } from "../core.js";
import type * as m from "../models.js";
import { path } from "./base.js";
import { Definitions } from "./definitions.js";

/** A CSV or JSONL file for `datasets.addItems()` / `datasets.create()` (multipart `file`). */
export interface DatasetFile {
  file: Blob;
  filename: string;
  format?: "csv" | "jsonl";
  /** JSON object mapping file columns to `input`/`expected`/… (see docs/evals.md). */
  mapping?: Record<string, unknown>;
  tags?: string[];
  replace?: boolean;
}

/** `/datasets`: versioned datasets; every change to the items makes a new immutable version. */
export class Datasets extends Definitions<m.Dataset, m.DatasetCreateParams, m.DatasetUpdateParams, m.DatasetVersion,
  m.DatasetVersionCreateParams, m.DatasetPromotion, m.DatasetPromoteParams> {
  constructor(http: HttpClient) {
    super(http, "/datasets");
  }

  override create(body: m.DatasetCreateParams, options?: RequestOptions): Promise<m.DatasetDetail> {
    return this.http.request({ method: "POST", path: "/datasets", body, idempotent: true, options });
  }

  /** Add (or with `replace`, replace) items: `{items: [...]}`, `{from_runs: [...]}`, or a CSV/JSONL file.
   * Answers the new dataset version. */
  addItems(datasetId: string, body: m.DatasetItemsParams | DatasetFile, options?: RequestOptions): Promise<m.DatasetVersion> {
    return this.http.request({ method: "POST", path: path("/datasets", datasetId, "/items"), body: asBody(body), options });
  }
}

function asBody(body: m.DatasetItemsParams | DatasetFile): unknown {
  if (!("file" in body) || !(body.file instanceof Blob)) return body;
  const upload = body as DatasetFile;
  const form = new FormData();
  form.set("file", upload.file, upload.filename);
  if (upload.format) form.set("format", upload.format);
  if (upload.mapping) form.set("mapping", JSON.stringify(upload.mapping));
  for (const tag of upload.tags ?? []) form.append("tags", tag);
  if (upload.replace !== undefined) form.set("replace", String(upload.replace));
  return form;
}
