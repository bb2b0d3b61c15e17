/**
 * The `t=…,v1=…` HMAC-SHA256 signature, one scheme both ways: the Template signs the webhook it sends the
 * Dashboard (webhook.ts, docs/webhooks.md), and the Dashboard signs the alerts it POSTs to a subscriber's URL
 * (alerts/, docs/alerts.md).
 *
 *   <header>: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * Several `v1=` may be present (a secret being rotated): one match with one secret is enough.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { epochSeconds } from "./util/time";

/** A signature is good this long either side of the receiver's clock (replays). */
export const TOLERANCE_SECONDS = 300;

/** `t=...,v1=...,v1=...` → the timestamp and every v1 signature. */
export function parseSignature(header: string | undefined): { t: number; v1: string[] } | undefined {
  if (!header || header.length > 2048) return undefined;
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const [k, v] = part.trim().split("=", 2);
    if (k === "t" && v && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === "v1" && v && /^[0-9a-f]{64}$/i.test(v)) v1.push(v.toLowerCase());
  }
  return t === undefined || v1.length === 0 ? undefined : { t, v1 };
}

export const sign = (secret: string, timestamp: number, rawBody: string): string =>
  createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex");

/** The header for a body signed now with one secret. */
export const signatureHeader = (secret: string, rawBody: string, now = new Date()): string => {
  const t = epochSeconds(now);
  return `t=${t},v1=${sign(secret, t, rawBody)}`;
};

/** True when one of the signatures matches one of the secrets, within the tolerance. */
export function verify(secrets: string[], header: string | undefined, rawBody: string, now: Date): boolean {
  const parsed = parseSignature(header);
  if (!parsed) return false;
  if (Math.abs(epochSeconds(now) - parsed.t) > TOLERANCE_SECONDS) return false;
  let ok = false;
  for (const secret of secrets) {
    const expected = Buffer.from(sign(secret, parsed.t, rawBody), "hex");
    for (const candidate of parsed.v1) {
      // Every comparison runs, so timing does not tell which secret or signature matched.
      if (timingSafeEqual(expected, Buffer.from(candidate, "hex"))) ok = true;
    }
  }
  return ok;
}
