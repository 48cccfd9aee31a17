import type { HttpClient, RequestOptions } from "../core.js";
import type * as m from "../models.js";
import type { Paginator } from "../pagination.js";
import { Resource, path } from "./base.js";
import { Versions } from "./definitions.js";

/** `/tools`: custom tools (HTTP, OpenAPI imports, MCP) and the read-only built-ins. */
export class Tools extends Resource {
  /** Versions of a custom HTTP tool (method, url, schemas, retry…). */
  readonly versions: Versions<m.ToolVersion, m.HttpToolVersionCreateParams>;

  constructor(http: HttpClient) {
    super(http);
    this.versions = new Versions(http, "/tools");
  }

  /** Built-ins and custom tools; `kind` filters (e.g. `"http"`, `"builtin"`). */
  list(params?: { kind?: string; limit?: number }, options?: RequestOptions): Paginator<m.Tool> {
    return this.paginate("/tools", { ...params }, options);
  }

  create(body: m.ToolCreateParams, options?: RequestOptions): Promise<m.Tool> {
    return this.http.request({ method: "POST", path: "/tools", body, idempotent: true, options });
  }

  /** By id or name (built-ins by name: `http`, `kv`, `code`, `retrieval`). */
  get(id: string, options?: RequestOptions): Promise<m.Tool> {
    return this.http.request({ method: "GET", path: path("/tools", id), options });
  }

  update(id: string, body: m.ToolUpdateParams, options?: RequestOptions): Promise<m.Tool> {
    return this.http.request({ method: "PATCH", path: path("/tools", id), body, options });
  }

  delete(id: string, options?: RequestOptions): Promise<void> {
    return this.http.request({ method: "DELETE", path: path("/tools", id), options });
  }

  /** One tool call outside a run (the playground): `{output}`, or a typed error whose body has `tool_error`. */
  invoke(id: string, body: m.ToolInvokeParams, options?: RequestOptions): Promise<m.ToolInvocation> {
    return this.http.request({ method: "POST", path: path("/tools", id, "/invoke"), body, options });
  }

  /** One tool per operation of an OpenAPI document. */
  importOpenAPI(body: m.ToolImportOpenAPIParams, options?: RequestOptions): Promise<m.ToolList> {
    return this.http.request({ method: "POST", path: "/tools/import-openapi", body, idempotent: true, options });
  }
}
