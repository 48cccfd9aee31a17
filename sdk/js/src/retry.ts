/**
 * When and how long to wait before trying again. A request is retried on a connection error, a
 * timeout, 408, 409 `idempotency_in_progress` (the first attempt of the same create is still
 * running), 429 and 5xx; the wait is the server's `Retry-After` (seconds or an HTTP date) when
 * it sends one, else exponential backoff with full jitter.
 */
import { APIError } from "./errors.js";

export interface RetryOptions {
  /** Retries after the first attempt (0 turns retrying off). Default 3. */
  maxRetries?: number;
  /** The first backoff step, doubled on every retry. Default 500 ms. */
  initialDelayMs?: number;
  /** No backoff step is longer than this. Default 8 s. */
  maxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for: the error is thrown. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Random jitter in [0, 1]: 1 = full jitter (a uniform wait in [0, step]), 0 = none. Default 1. */
  jitter?: number;
}

export type ResolvedRetry = Required<RetryOptions>;

export const DEFAULT_RETRY: ResolvedRetry = {
  maxRetries: 3,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  jitter: 1,
};

/** `false` turns retries off; an object overrides some defaults. */
export function resolveRetry(value: RetryOptions | false | undefined, base: ResolvedRetry = DEFAULT_RETRY): ResolvedRetry {
  if (value === false) return { ...base, maxRetries: 0 };
  return { ...base, ...(value ?? {}) };
}

const RETRYABLE_STATUS = new Set([408, 429]);

/** Is this answer worth another attempt? */
export function isRetryableStatus(error: APIError): boolean {
  if (RETRYABLE_STATUS.has(error.status) || error.status >= 500) return true;
  return error.status === 409 && error.code === "idempotency_in_progress";
}

/** `Retry-After` in milliseconds (delta-seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** The backoff before retry number `retry` (0-based), with jitter. */
export function backoffDelay(retry: number, policy: ResolvedRetry, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** retry);
  return step * (1 - policy.jitter * random());
}

/** Resolve after `ms`, or reject with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
