import type { RequestOptions } from "../core.js";
import type * as m from "../models.js";
import type { Paginator } from "../pagination.js";
import { Resource, path } from "./base.js";
import type { ListParams } from "./base.js";

/** `/secrets`: encrypted project secrets. Values are write-only: no answer ever contains one. */
export class Secrets extends Resource {
  list(params?: ListParams, options?: RequestOptions): Paginator<m.Secret> {
    return this.paginate("/secrets", params, options);
  }

  create(body: m.SecretCreateParams, options?: RequestOptions): Promise<m.Secret> {
    return this.http.request({ method: "POST", path: "/secrets", body, idempotent: true, options });
  }

  get(name: string, options?: RequestOptions): Promise<m.Secret> {
    return this.http.request({ method: "GET", path: path("/secrets", name), options });
  }

  update(name: string, body: m.SecretUpdateParams, options?: RequestOptions): Promise<m.Secret> {
    return this.http.request({ method: "PATCH", path: path("/secrets", name), body, options });
  }

  delete(name: string, options?: RequestOptions): Promise<void> {
    return this.http.request({ method: "DELETE", path: path("/secrets", name), options });
  }
}
