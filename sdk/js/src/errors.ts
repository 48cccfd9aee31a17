/**
 * Typed errors. Every non-2xx answer becomes an `APIError` subclass chosen by its status and
 * carrying the problem+json body (RFC 9457): `status`, `type`, `title`, `detail` and the field
 * map `errors` (`{field: [message]}`). Transport failures are `APIConnectionError`, timeouts
 * `APITimeoutError`, and a run stream that could not be resumed `StreamError`.
 */

/** The problem+json body the platform sends with every 4xx/5xx. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: Record<string, string[]>;
  [key: string]: unknown;
}

/** The root of every error the SDK throws. */
export class AgentPlatformError extends Error {
  override name = "AgentPlatformError";
}

/** The server answered with a non-2xx status. */
export class APIError extends AgentPlatformError {
  override name = "APIError";
  readonly status: number;
  /** The problem type URI, e.g. `https://agent-platform.dev/problems/not_found`. */
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  /** Field → messages, e.g. `{"input.message": ["This field is required."]}`. */
  readonly errors: Record<string, string[]>;
  readonly headers: Headers;
  /** The parsed body (problem+json, or whatever the server sent). */
  readonly body: unknown;

  constructor(status: number, body: unknown, headers: Headers) {
    const problem = asProblem(body);
    super(`${status} ${problem?.title ?? "HTTP error"}: ${problem?.detail ?? (typeof body === "string" ? body.slice(0, 200) : "")}`);
    this.status = status;
    this.type = problem?.type ?? "about:blank";
    this.title = problem?.title ?? "";
    this.detail = problem?.detail ?? "";
    this.errors = problem?.errors ?? {};
    this.headers = headers;
    this.body = body;
  }

  /** The last path segment of `type`: `not_found`, `rate_limited`, `idempotency_in_progress`… */
  get code(): string {
    return this.type.slice(this.type.lastIndexOf("/") + 1);
  }
}

export class BadRequestError extends APIError { override name = "BadRequestError"; }
export class AuthenticationError extends APIError { override name = "AuthenticationError"; }
export class PermissionDeniedError extends APIError { override name = "PermissionDeniedError"; }
export class NotFoundError extends APIError { override name = "NotFoundError"; }
export class ConflictError extends APIError { override name = "ConflictError"; }
export class UnprocessableEntityError extends APIError { override name = "UnprocessableEntityError"; }
export class RateLimitError extends APIError { override name = "RateLimitError"; }
export class InternalServerError extends APIError { override name = "InternalServerError"; }

/** The request never got an HTTP answer (refused, reset, DNS…). */
export class APIConnectionError extends AgentPlatformError {
  override name = "APIConnectionError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The call's `timeoutMs` elapsed before an answer. */
export class APITimeoutError extends APIConnectionError {
  override name = "APITimeoutError";
}

/** A run stream dropped and could not be resumed within its reconnect budget. */
export class StreamError extends AgentPlatformError {
  override name = "StreamError";
  /** The seq of the last event delivered before giving up (0: none). */
  readonly lastSeq: number;
  constructor(message: string, lastSeq: number, options?: { cause?: unknown }) {
    super(message, options);
    this.lastSeq = lastSeq;
  }
}

const BY_STATUS: Record<number, typeof APIError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  422: UnprocessableEntityError,
  429: RateLimitError,
};

/** The typed error for an answer with this status and body. */
export function errorFromResponse(status: number, body: unknown, headers: Headers): APIError {
  const cls = BY_STATUS[status] ?? (status >= 500 ? InternalServerError : APIError);
  return new cls(status, body, headers);
}

function asProblem(body: unknown): Problem | undefined {
  if (body && typeof body === "object" && "status" in body && "title" in body) {
    return body as Problem;
  }
  return undefined;
}
