/** One HTTP attempt at a Template: the request, its redirects (same origin only) and a size-guarded body. */
import {
  classifyFailure,
  errorTextOf,
  looksLikeHtml,
  MAX_REDIRECTS,
  type Outcome,
  parseRetryAfter,
  TIMEOUT,
} from "./failure";

const ERROR_BODY_BYTES = 64 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

class BodyTooLarge extends Error {
  constructor(readonly bytes: number | undefined) {
    super("body too large");
  }
}

/** Rejects with the signal's reason as soon as it aborts, whatever the promise does. */
export const raceAbort = <T>(promise: Promise<T>, signal: AbortSignal): Promise<T> => {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
};

/** Reads a body up to `limit` bytes: beyond it, throws BodyTooLarge (`truncate`: stops quietly instead). */
const readBody = async (
  response: Response,
  limit: number,
  signal: AbortSignal,
  truncate = false,
): Promise<Uint8Array> => {
  const declared = Number(response.headers.get("content-length"));
  if (!truncate && Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new BodyTooLarge(declared);
  }
  if (response.body === null) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await raceAbort(reader.read(), signal);
      if (done) break;
      if (size + value.byteLength > limit) {
        if (!truncate) throw new BodyTooLarge(undefined);
        chunks.push(value.subarray(0, limit - size));
        size = limit;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
};

/** What one attempt needs of the client. */
export interface AttemptConfig {
  apiKey: string;
  userAgent: string;
  timeoutMs: number;
  maxBodyBytes: number;
  fetch: typeof fetch;
  now: () => number;
  assertUrlAllowed: ((url: URL) => Promise<void>) | undefined;
}

/** One GET (following redirects), bounded by the timeout. Throws only when the caller aborts. */
export async function attempt(
  url: URL,
  callerSignal: AbortSignal | undefined,
  config: AttemptConfig,
  withKey = true,
): Promise<Outcome> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(TIMEOUT), config.timeoutMs);
  const signal = callerSignal ? AbortSignal.any([callerSignal, timeout.signal]) : timeout.signal;
  const headers: Record<string, string> = { Accept: "application/json", "User-Agent": config.userAgent };
  if (withKey) headers["X-API-Key"] = config.apiKey;
  const thrown = (error: unknown): Outcome => {
    if (callerSignal?.aborted) throw callerSignal.reason;
    return { ok: false, failure: classifyFailure(error, timeout.signal.aborted, config.apiKey) };
  };
  try {
    let current = url;
    for (let hop = 0; ; hop++) {
      await config.assertUrlAllowed?.(current);
      let response: Response;
      try {
        response = await raceAbort(
          config.fetch(current, { method: "GET", headers, redirect: "manual", signal }),
          signal,
        );
      } catch (error) {
        return thrown(error);
      }
      const { status } = response;
      const contentType = response.headers.get("content-type") ?? "";

      if (REDIRECT_STATUSES.has(status)) {
        await response.body?.cancel().catch(() => undefined);
        const location = response.headers.get("location");
        if (location === null) return { ok: false, failure: { kind: "status", status } };
        const next = new URL(location, current);
        const sameOrigin = next.origin === current.origin;
        const upgrade =
          current.protocol === "http:" && next.protocol === "https:" && next.hostname === current.hostname;
        if (!sameOrigin && !upgrade) {
          return { ok: false, failure: { kind: "redirect_refused", status, target: next.origin } };
        }
        if (hop >= MAX_REDIRECTS) return { ok: false, failure: { kind: "too_many_redirects", status } };
        current = next;
        continue;
      }

      if (status < 200 || status >= 300) {
        let errorText: string | undefined;
        let html = false;
        try {
          const bytes = await readBody(response, ERROR_BODY_BYTES, signal, true);
          errorText = errorTextOf(bytes, contentType);
          html = looksLikeHtml(new TextDecoder().decode(bytes.subarray(0, 512)), contentType);
        } catch {
          // The status says enough; the body only adds detail.
          if (callerSignal?.aborted) throw callerSignal.reason;
        }
        const retryAfterMs =
          status === 429 || status === 503
            ? parseRetryAfter(response.headers.get("retry-after"), config.now())
            : undefined;
        return {
          ok: false,
          failure: {
            kind: "status",
            status,
            ...(errorText !== undefined && !html ? { errorText } : {}),
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          },
        };
      }

      let bytes: Uint8Array;
      try {
        bytes = await readBody(response, config.maxBodyBytes, signal);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          return {
            ok: false,
            failure: { kind: "too_large", status, ...(error.bytes ? { bytes: error.bytes } : {}) },
          };
        }
        return thrown(error);
      }
      const text = new TextDecoder().decode(bytes);
      if (looksLikeHtml(text.slice(0, 512), contentType))
        return { ok: false, failure: { kind: "html", status } };
      try {
        return { ok: true, body: JSON.parse(text) };
      } catch {
        return { ok: false, failure: { kind: "malformed", status, bytes: bytes.byteLength } };
      }
    }
  } finally {
    clearTimeout(timer);
  }
}
