/**
 * One attempt at sending a delivery: a signed JSON POST to a URL target, or an e-mail (SES v2 when a sender
 * is configured, else the local outbox: an item the API lists and a file in `outboxDir`). Answers what
 * happened; whether to try again is the caller's (deliver.ts).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SESv2Client } from "@aws-sdk/client-sesv2";
import type { Ctx } from "../context";
import { VisibleError } from "../error";
import { expiresAfterDays } from "../retention";
import { signatureHeader } from "../signature";
import { assertFetchAllowed, guardedLookup } from "../ssrf";
import { createId } from "../util/id";
import { isoNow } from "../util/time";
import { OutboxEntity } from "./entities";
import type { AlertPayload, Delivery, SubscriptionItem } from "./schema";

export const ALERT_SIGNATURE_HEADER = "x-dashboard-signature";
export const ALERT_DELIVERY_HEADER = "x-dashboard-delivery";
/** A target has this long to answer. */
export const POST_TIMEOUT_MS = 10_000;

export type SendResult =
  | { ok: true; status_code?: number }
  | { ok: false; retryable: boolean; status_code?: number; error: string; message: string };

/** 5xx, 408 and 429 are worth another attempt; any other 4xx is not (the target refuses it as it is). */
export const retryableStatus = (status: number): boolean => status >= 500 || status === 408 || status === 429;

/** The body's exact bytes (signed as sent). */
export const payloadOf = (ctx: Ctx, delivery: Delivery): AlertPayload => ({
  type: "dashboard.alert",
  subscription_id: delivery.subscription_id,
  delivery_id: delivery.delivery_id,
  kind: delivery.kind,
  sent_at: isoNow(ctx.now()),
  events: delivery.events,
});

async function post(
  ctx: Ctx,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number }> {
  await assertFetchAllowed(new URL(url), ctx.production);
  const http = process.getBuiltinModule("node:http") as typeof import("node:http");
  const https = process.getBuiltinModule("node:https") as typeof import("node:https");
  const target = new URL(url);
  const send = target.protocol === "https:" ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const request = send(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        timeout: POST_TIMEOUT_MS,
        // In production every connection is checked on the address it uses (DNS rebinding).
        ...(ctx.production ? { lookup: guardedLookup() } : {}),
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve({ status: response.statusCode ?? 0 }));
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
    request.on("error", reject);
    request.end(body);
  });
}

async function sendPost(
  ctx: Ctx,
  sub: SubscriptionItem,
  secret: string,
  delivery: Delivery,
): Promise<SendResult> {
  if (sub.target.type !== "url") throw new Error("not a URL target");
  const body = JSON.stringify(payloadOf(ctx, delivery));
  try {
    const { status } = await post(
      ctx,
      sub.target.url,
      {
        "content-type": "application/json",
        "user-agent": "artworksdigital-dashboard-alerts/1",
        [ALERT_SIGNATURE_HEADER]: signatureHeader(secret, body, ctx.now()),
        [ALERT_DELIVERY_HEADER]: delivery.delivery_id,
      },
      body,
    );
    if (status >= 200 && status < 300) return { ok: true, status_code: status };
    return {
      ok: false,
      retryable: retryableStatus(status),
      status_code: status,
      error: "http_error",
      message: `The target answered ${status}`,
    };
  } catch (error) {
    if (error instanceof VisibleError) {
      return { ok: false, retryable: false, error: "not_allowed", message: error.message };
    }
    const code = (error as NodeJS.ErrnoException).code;
    const timeout = code === "ETIMEDOUT";
    return {
      ok: false,
      retryable: code !== "ETEMPLATEBLOCKED",
      error: timeout ? "timeout" : code === "ETEMPLATEBLOCKED" ? "not_allowed" : "network",
      message: timeout
        ? `No answer within ${POST_TIMEOUT_MS} ms`
        : `${code ?? "error"}: ${(error as Error).message}`.slice(0, 300),
    };
  }
}

/** The e-mail of a delivery, in the subscription's language, from the events' own sentences. */
export function emailOf(sub: SubscriptionItem, delivery: Delivery): { subject: string; text: string } {
  const lang = sub.lang;
  const first = delivery.events[0];
  const count = delivery.events.length;
  const subject =
    count === 1 && first
      ? `${delivery.kind === "test" ? "[Test] " : ""}${first.message[lang]}`
      : lang === "fr"
        ? `${count} événements — ${sub.name}`
        : `${count} events — ${sub.name}`;
  const lines = delivery.events.map((e) => `- ${e.at} · ${e.site_id} · ${e.message[lang]}`);
  const footer =
    lang === "fr"
      ? `Alerte « ${sub.name} » du Dashboard artworksdigital.`
      : `Alert "${sub.name}" from the artworksdigital Dashboard.`;
  return { subject, text: [...lines, "", footer, ""].join("\n") };
}

/**
 * SES v2 is loaded with the first e-mail a process sends, not with the module: the API and the change
 * processor import this module but never send an e-mail, the alerts consumer only for e-mail targets, and
 * the package is the largest of the SDK's that the functions load (about 200 KB of source to compile).
 */
let ses:
  | Promise<{
      client: SESv2Client;
      SendEmailCommand: typeof import("@aws-sdk/client-sesv2").SendEmailCommand;
    }>
  | undefined;
const loadSes = () => {
  ses ??= import("@aws-sdk/client-sesv2").then(({ SESv2Client, SendEmailCommand }) => ({
    client: new SESv2Client({}),
    SendEmailCommand,
  }));
  return ses;
};

async function sendEmail(ctx: Ctx, sub: SubscriptionItem, delivery: Delivery): Promise<SendResult> {
  if (sub.target.type !== "email") throw new Error("not an e-mail target");
  const { subject, text } = emailOf(sub, delivery);
  const from = ctx.alerts?.emailFrom;
  try {
    if (from) {
      const { client, SendEmailCommand } = await loadSes();
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [sub.target.email] },
          Content: {
            Simple: {
              Subject: { Data: subject, Charset: "UTF-8" },
              Body: { Text: { Data: text, Charset: "UTF-8" } },
            },
          },
        }),
      );
      return { ok: true };
    }
    await toOutbox(ctx, {
      from: "dashboard@localhost",
      to: sub.target.email,
      subject,
      text,
      subscription_id: sub.subscription_id,
      delivery_id: delivery.delivery_id,
    });
    return { ok: true };
  } catch (error) {
    const name = (error as Error).name;
    // SES refuses some messages for good (bad address, unverified sender): another attempt cannot help.
    const permanent =
      name === "BadRequestException" || name === "MessageRejected" || name === "NotFoundException";
    return {
      ok: false,
      retryable: !permanent,
      error: "email_failed",
      message: `${name}: ${(error as Error).message}`.slice(0, 300),
    };
  }
}

/** Keeps an e-mail in the outbox: an item (listed by the API) and, when configured, a file. */
async function toOutbox(
  ctx: Ctx,
  mail: {
    from: string;
    to: string;
    subject: string;
    text: string;
    subscription_id: string;
    delivery_id: string;
  },
): Promise<void> {
  const at = isoNow(ctx.now());
  const id = createId("mail");
  const dir = ctx.alerts?.outboxDir;
  if (dir) {
    await mkdir(dir, { recursive: true });
    const headers = [`From: ${mail.from}`, `To: ${mail.to}`, `Subject: ${mail.subject}`, `Date: ${at}`];
    await writeFile(
      join(dir, `${at.replace(/[:.]/g, "-")}-${id}.eml`),
      `${headers.join("\r\n")}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${mail.text}`,
    );
  }
  await OutboxEntity.create(ctx, [at, id], {
    message_id: id,
    at,
    ...mail,
    expires_at: expiresAfterDays(ctx.now(), ctx.retention.activityDays),
  });
}

/** One attempt at sending `delivery` to the subscription's target. */
export const sendOnce = (
  ctx: Ctx,
  sub: SubscriptionItem,
  secret: string | undefined,
  delivery: Delivery,
): Promise<SendResult> =>
  sub.target.type === "email"
    ? sendEmail(ctx, sub, delivery)
    : secret
      ? sendPost(ctx, sub, secret, delivery)
      : Promise.resolve({
          ok: false,
          retryable: false,
          error: "no_secret",
          message: "The subscription has no signing secret",
        });
