/**
 * The one error type that is safe to show to a caller. Anything else that escapes to the HTTP layer is
 * logged and answered with a generic 500 (see functions/src/api/errors.ts).
 */
export type ErrorKind =
  | "invalid_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "rate_limited"
  | "internal";

const STATUS: Record<ErrorKind, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
};

export class VisibleError extends Error {
  override readonly name = "VisibleError";
  constructor(
    readonly kind: ErrorKind,
    /** Stable, machine-readable code, e.g. `site_not_found`. */
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  get status(): number {
    return STATUS[this.kind];
  }
}
