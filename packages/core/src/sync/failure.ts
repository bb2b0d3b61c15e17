/** What a failure looks like in a run: a stable code and a message a person can act on, nothing internal. */
import { VisibleError } from "../error";
import type { EntityError } from "../run";
import { TemplateError } from "../template/errors";

export function describeFailure(error: unknown): {
  code: string;
  message: string;
  retryable: boolean;
  /** The entity result's error: code, message and, for a Template's answer, its HTTP status and URL. */
  error: EntityError;
} {
  const described = (code: string, message: string, retryable: boolean, extra = {}) => ({
    code,
    message,
    retryable,
    error: { code, message, ...extra },
  });
  if (error instanceof TemplateError)
    return described(error.code, error.message, error.retryable, {
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.url ? { url: withoutQuery(error.url) } : {}),
    });
  if (error instanceof VisibleError) return described(error.code, error.message, false);
  const name = (error as Error | undefined)?.name ?? "";
  if (
    /Throttl|ProvisionedThroughput|RequestLimitExceeded|ServiceUnavailable|InternalServerError/.test(name)
  ) {
    return described(
      "storage_throttled",
      "The Dashboard's database was busy; the sync will be retried",
      true,
    );
  }
  return described("internal_error", "The sync failed inside the Dashboard; see the service logs", true);
}

/** A URL as shown in a run's technical details: no query string (paging offsets, never a key, but noise). */
const withoutQuery = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url.split("?")[0] ?? "";
  }
};
