/**
 * Versioned definitions (agents, workflows, datasets share the shape): a mutable head (name,
 * description) with immutable numbered versions and `dev`/`stage`/`prod` environments that point
 * at versions.
 */
import type { RequestOptions } from "../core.js";
import type { Paginator } from "../pagination.js";
import { Resource, path } from "./base.js";
import type { ListParams } from "./base.js";

/** The numbered, immutable versions of one definition kind. */
export class Versions<TVersion, TCreate> extends Resource {
  constructor(http: ConstructorParameters<typeof Resource>[0], private readonly prefix: string) {
    super(http);
  }

  /** A new version; the same body as the latest version answers that version (200). */
  create(definitionId: string, body: TCreate, options?: RequestOptions): Promise<TVersion> {
    return this.http.request({ method: "POST", path: path(this.prefix, definitionId, "/versions"), body, idempotent: true, options });
  }

  list(definitionId: string, params?: ListParams, options?: RequestOptions): Paginator<TVersion> {
    return this.paginate(path(this.prefix, definitionId, "/versions"), params, options);
  }

  get(definitionId: string, number: number, options?: RequestOptions): Promise<TVersion> {
    return this.http.request({ method: "GET", path: path(this.prefix, definitionId, "/versions", number), options });
  }
}

export class Definitions<T, TCreate, TUpdate, TVersion, TVersionCreate, TPromotion, TPromote> extends Resource {
  readonly versions: Versions<TVersion, TVersionCreate>;

  constructor(http: ConstructorParameters<typeof Resource>[0], protected readonly prefix: string) {
    super(http);
    this.versions = new Versions(http, prefix);
  }

  list(params?: ListParams, options?: RequestOptions): Paginator<T> {
    return this.paginate(this.prefix, params, options);
  }

  create(body: TCreate, options?: RequestOptions): Promise<T> {
    return this.http.request({ method: "POST", path: this.prefix, body, idempotent: true, options });
  }

  /** By id or by name. */
  get(id: string, options?: RequestOptions): Promise<T> {
    return this.http.request({ method: "GET", path: path(this.prefix, id), options });
  }

  update(id: string, body: TUpdate, options?: RequestOptions): Promise<T> {
    return this.http.request({ method: "PATCH", path: path(this.prefix, id), body, options });
  }

  delete(id: string, options?: RequestOptions): Promise<void> {
    return this.http.request({ method: "DELETE", path: path(this.prefix, id), options });
  }

  /** Point an environment at a version (gated by the environment's promotion policy: a refusal
   * is a `ConflictError` whose `code` is `promotion_gate_failed`). */
  promote(id: string, body: TPromote, options?: RequestOptions): Promise<TPromotion> {
    return this.http.request({ method: "POST", path: path(this.prefix, id, "/promote"), body, options });
  }

  /** The promotion history, newest first. */
  promotions(id: string, params?: ListParams, options?: RequestOptions): Paginator<TPromotion> {
    return this.paginate(path(this.prefix, id, "/promote"), params, options);
  }
}
