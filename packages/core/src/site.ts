/**
 * Sites: the Templates the Dashboard syncs from. The API key and webhook secrets are encrypted at rest
 * (crypto.ts) and never leave core in clear except to the Template client and the signature check.
 */
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Ctx } from "./context";
import { decrypt, encrypt, randomToken } from "./crypto";
import { ALL_ENTITIES, Entity, RECORD_ENTITIES } from "./entity";
import { VisibleError } from "./error";
import { SiteHealth } from "./health";
import { RunStatus } from "./run";
import { assertTemplateUrlShape } from "./ssrf";
import { applyIf, batchWrite, deletePartition, deleteRequest, queryAll } from "./store/db";
import { Keys } from "./store/keys";
import { epochSeconds, isoNow } from "./util/time";

export const SiteId = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "lowercase letters, digits and dashes (a slug)");

/** The error that makes a site's last run worth watching: a failed entity, or one retrying. */
export const LastRunError = z.object({ entity: Entity, code: z.string(), message: z.string() });
export type LastRunError = z.infer<typeof LastRunError>;

/**
 * Caps on one entity's scan (all its continuation messages together): beyond them the scan stops with
 * `too_many_records` or `pagination_loop` and deletes nothing. Defaults: 200,000 records, 5,000 pages.
 */
export const ScanLimits = z
  .object({
    max_records: z.number().int().min(100).max(10_000_000),
    max_pages: z.number().int().min(10).max(1_000_000),
  })
  .partial()
  .strict();
export type ScanLimits = z.infer<typeof ScanLimits>;

/** What the API returns: never the key, never a secret. */
export const Site = z.object({
  id: SiteId,
  name: z.string(),
  template_url: z.string(),
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string().optional(),
  api_key_last4: z.string(),
  last_run: z
    .object({
      run_id: z.string(),
      status: RunStatus,
      finished_at: z.string().optional(),
      /** The run is waiting to try an entity again (`error` says why). */
      retrying: z.boolean().optional(),
      error: LastRunError.optional(),
    })
    .optional(),
  counts: z.partialRecord(Entity, z.number().int().nonnegative()).optional(),
  last_synced_at: z.partialRecord(Entity, z.string()).optional(),
  scan_limits: ScanLimits.optional(),
  /** What the last settings sync noticed about the Template's security (health.ts). */
  health: SiteHealth.optional(),
});
export type Site = z.infer<typeof Site>;

const WebhookSecret = z.object({
  sealed: z.string(),
  created_at: z.string(),
  expires_at: z.string().optional(),
});

/** The stored item: the public site plus sealed secrets. */
const SiteItem = Site.extend({
  api_key_sealed: z.string(),
  webhook_secrets: z.array(WebhookSecret),
  /** Set when the site's deletion started: the site is gone for every caller, its data is being removed. */
  deleting: z.boolean().optional(),
});
type SiteItem = z.infer<typeof SiteItem>;

const TemplateUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL")
  .transform((v) => v.replace(/\/+$/, ""));

/**
 * An API key is sent in an HTTP header: printable ASCII only. A control character (CR/LF: header injection)
 * or a non-ASCII one (a key pasted with a typographic dash or a no-break space) is refused at registration,
 * not discovered as a failing sync.
 */
const ApiKey = z
  .string()
  .trim()
  .min(1, "required")
  .max(512)
  .regex(/^[\x20-\x7e]+$/, "printable ASCII only (no control or non-ASCII characters)");

export const CreateSite = z.object({
  id: SiteId.optional(),
  name: z.string().trim().min(1, "required").max(200),
  template_url: TemplateUrl,
  api_key: ApiKey,
  enabled: z.boolean().default(true),
  scan_limits: ScanLimits.optional(),
});
export type CreateSite = z.input<typeof CreateSite>;

export const UpdateSite = z
  .object({
    name: z.string().trim().min(1).max(200),
    template_url: TemplateUrl,
    api_key: ApiKey,
    enabled: z.boolean(),
    scan_limits: ScanLimits,
  })
  .partial()
  .strict()
  .refine(
    (v) => Object.keys(v).length > 0,
    "give at least one of name, template_url, api_key, enabled, scan_limits",
  );
export type UpdateSite = z.input<typeof UpdateSite>;

const aadApiKey = (siteId: string) => `site:${siteId}:api_key`;
const aadWebhook = (siteId: string) => `site:${siteId}:webhook_secret`;

/** Webhook secrets are shown once; `whsec_` makes them recognisable in a secret scanner. */
const newWebhookSecret = () => `whsec_${randomToken(32)}`;

/** Old webhook secrets keep working this long after a rotation. */
export const WEBHOOK_ROTATION_GRACE_MS = 24 * 3600 * 1000;

const slugify = (name: string): string =>
  name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48) || "site";

const toSite = (item: SiteItem): Site => {
  const { api_key_sealed: _k, webhook_secrets: _w, ...site } = item;
  return Site.parse(site);
};

const notFound = (siteId: string) =>
  new VisibleError("not_found", "site_not_found", `No site with id "${siteId}"`);

async function getItem(ctx: Ctx, siteId: string): Promise<SiteItem | undefined> {
  const out = await ctx.db.send(
    new GetCommand({ TableName: ctx.table, Key: keyOnly(siteId), ConsistentRead: true }),
  );
  return out.Item ? SiteItem.parse(out.Item) : undefined;
}

const keyOnly = (siteId: string) => {
  const { pk, sk } = Keys.site(siteId);
  return { pk, sk };
};

export async function create(ctx: Ctx, input: CreateSite): Promise<{ site: Site; webhook_secret: string }> {
  const data = CreateSite.parse(input);
  await assertTemplateUrlShape(data.template_url, ctx.production);
  const id =
    data.id ??
    `${slugify(data.name)}-${randomToken(3)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "x")}`;
  const now = isoNow(ctx.now());
  const webhookSecret = newWebhookSecret();
  const item: SiteItem = {
    id,
    name: data.name,
    template_url: data.template_url,
    enabled: data.enabled,
    created_at: now,
    api_key_last4: data.api_key.slice(-4),
    api_key_sealed: encrypt(ctx.keyRing, data.api_key, aadApiKey(id)),
    webhook_secrets: [{ sealed: encrypt(ctx.keyRing, webhookSecret, aadWebhook(id)), created_at: now }],
    ...(data.scan_limits ? { scan_limits: data.scan_limits } : {}),
  };
  try {
    await ctx.db.send(
      new PutCommand({
        TableName: ctx.table,
        Item: { ...Keys.site(id), type: "site", ...item },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  } catch (e) {
    if ((e as Error).name === "ConditionalCheckFailedException") {
      throw new VisibleError("conflict", "site_exists", `A site with id "${id}" already exists`);
    }
    throw e;
  }
  return { site: toSite(item), webhook_secret: webhookSecret };
}

export async function get(ctx: Ctx, siteId: string): Promise<Site> {
  const item = await getItem(ctx, siteId);
  if (!item || item.deleting) throw notFound(siteId);
  return toSite(item);
}

/** `live`, or `deleting` / `gone`: then nothing may be written for it any more. */
export async function writeState(ctx: Ctx, siteId: string): Promise<"live" | "deleting" | "gone"> {
  const out = await ctx.db.send(
    new GetCommand({
      TableName: ctx.table,
      Key: keyOnly(siteId),
      ConsistentRead: true,
      ProjectionExpression: "deleting",
    }),
  );
  if (!out.Item) return "gone";
  return out.Item.deleting === true ? "deleting" : "live";
}

/** Every site (a few hundred at most: one index partition, read to the end). */
export async function list(ctx: Ctx): Promise<Site[]> {
  return (await listWithDeleting(ctx)).sites;
}

/** Every site, and apart the ids of the sites whose deletion started and is not finished, in one read. */
export async function listWithDeleting(ctx: Ctx): Promise<{ sites: Site[]; deleting: string[] }> {
  const sites: Site[] = [];
  const deleting: string[] = [];
  const { index, pk } = Keys.sitesIndex();
  for await (const items of queryAll(ctx, {
    IndexName: index,
    KeyConditionExpression: "gsi1pk = :pk",
    ExpressionAttributeValues: { ":pk": pk },
  })) {
    for (const item of items) {
      const site = SiteItem.parse(item);
      if (site.deleting) deleting.push(site.id);
      else sites.push(toSite(site));
    }
  }
  return { sites, deleting };
}

/** `https://a.example:8443`: where a key is sent (scheme, host and port). */
const originOf = (url: string): string => new URL(url).origin;

/**
 * Changes a site. Custody of its API key: a `template_url` on another origin needs the `api_key` in the same
 * request, so an edit can never send the stored key to a new host; the write is conditioned on the URL it
 * was checked against.
 */
export async function update(ctx: Ctx, siteId: string, input: UpdateSite): Promise<Site> {
  const patch = UpdateSite.parse(input);
  const sets: string[] = ["updated_at = :now"];
  const values: Record<string, unknown> = { ":now": isoNow(ctx.now()) };
  let condition = "attribute_exists(pk) AND attribute_not_exists(deleting)";
  if (patch.template_url) {
    await assertTemplateUrlShape(patch.template_url, ctx.production);
    const current = await getItem(ctx, siteId);
    if (!current || current.deleting) throw notFound(siteId);
    if (originOf(current.template_url) !== originOf(patch.template_url) && patch.api_key === undefined) {
      throw new VisibleError(
        "invalid_request",
        "api_key_required",
        `template_url moves the site to another origin (${originOf(patch.template_url)}): give the site's api_key in the same request, so the stored key is never sent to a new host`,
        // In the shape of a validation error, so a form shows it under the API key field.
        {
          issues: [
            {
              location: "json",
              path: "api_key",
              message: "required when template_url moves to another origin",
            },
          ],
        },
      );
    }
    condition += " AND template_url = :was";
    values[":was"] = current.template_url;
  }
  const names: Record<string, string> = {};
  if (patch.name !== undefined) {
    sets.push("#name = :name");
    names["#name"] = "name";
    values[":name"] = patch.name;
  }
  if (patch.template_url !== undefined) {
    sets.push("template_url = :url");
    values[":url"] = patch.template_url;
  }
  if (patch.enabled !== undefined) {
    sets.push("enabled = :enabled");
    values[":enabled"] = patch.enabled;
  }
  if (patch.scan_limits !== undefined) {
    sets.push("scan_limits = :limits");
    values[":limits"] = patch.scan_limits;
  }
  if (patch.api_key !== undefined) {
    sets.push("api_key_sealed = :sealed", "api_key_last4 = :last4");
    values[":sealed"] = encrypt(ctx.keyRing, patch.api_key, aadApiKey(siteId));
    values[":last4"] = patch.api_key.slice(-4);
  }
  try {
    const out = await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: keyOnly(siteId),
        UpdateExpression: `SET ${sets.join(", ")}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
      }),
    );
    return toSite(SiteItem.parse(out.Attributes));
  } catch (e) {
    if ((e as Error).name !== "ConditionalCheckFailedException") throw e;
    if (patch.template_url && (await getItem(ctx, siteId))) {
      throw new VisibleError(
        "conflict",
        "site_changed",
        "The site's template_url changed during this edit; read the site again and retry",
      );
    }
    throw notFound(siteId);
  }
}

/**
 * The first step of a deletion: the site disappears for every caller and stops accepting writes (the sync
 * engine checks this at every page). A site already being deleted is not found.
 */
export async function markDeleting(ctx: Ctx, siteId: string): Promise<void> {
  const marked = await applyIf(ctx, {
    update: {
      Key: keyOnly(siteId),
      UpdateExpression: "SET enabled = :f, deleting = :t, updated_at = :now",
      ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(deleting)",
      ExpressionAttributeValues: { ":f": false, ":t": true, ":now": isoNow(ctx.now()) },
    },
  });
  if (!marked) throw notFound(siteId);
}

/** Removes everything synced from a site: records, settings, stats, runs, logs, quarantine, markers. */
export async function sweep(ctx: Ctx, siteId: string): Promise<void> {
  for (const entity of [...RECORD_ENTITIES, "settings" as const]) {
    await deletePartition(ctx, Keys.recordPartition(siteId, entity));
  }
  await deletePartition(ctx, Keys.statsPartition(siteId));
  const { index, pk } = Keys.siteRunsIndex(siteId);
  for await (const runs of queryAll(ctx, {
    IndexName: index,
    KeyConditionExpression: "gsi2pk = :pk",
    ExpressionAttributeValues: { ":pk": pk },
    ProjectionExpression: "run_id",
  })) {
    for (const run of runs) await deletePartition(ctx, Keys.runPartition(String(run.run_id)));
  }
  await batchWrite(ctx, [deleteRequest(Keys.pending(siteId))]);
  await deletePartition(ctx, Keys.webhookEvent(siteId, "").pk);
}

/** True while a sync of the site holds an unexpired lease (a message may still be writing). */
export async function syncing(ctx: Ctx, siteId: string): Promise<boolean> {
  const now = epochSeconds(ctx.now());
  for (const entity of ALL_ENTITIES) {
    const out = await ctx.db.send(
      new GetCommand({ TableName: ctx.table, Key: Keys.lease(siteId, entity), ConsistentRead: true }),
    );
    if (out.Item && Number(out.Item.expires_at ?? 0) >= now) return true;
  }
  return false;
}

/** The last step of a deletion, once no sync of the site can write any more: leases and the site item go. */
export async function dropDeleted(ctx: Ctx, siteId: string): Promise<void> {
  await batchWrite(
    ctx,
    ALL_ENTITIES.map((e) => deleteRequest(Keys.lease(siteId, e))),
  );
  await applyIf(ctx, {
    delete: {
      Key: keyOnly(siteId),
      ConditionExpression: "deleting = :t",
      ExpressionAttributeValues: { ":t": true },
    },
  });
}

/** The Template API key in clear, for the Template client only. */
export async function apiKey(ctx: Ctx, siteId: string): Promise<string> {
  const item = await getItem(ctx, siteId);
  if (!item) throw notFound(siteId);
  return decrypt(ctx.keyRing, item.api_key_sealed, aadApiKey(siteId));
}

/** The webhook secrets that verify a signature now: the current one and any still in their grace period. */
export async function webhookSecrets(ctx: Ctx, siteId: string): Promise<string[]> {
  const item = await getItem(ctx, siteId);
  if (!item || item.deleting) return [];
  const now = ctx.now().toISOString();
  return item.webhook_secrets
    .filter((s) => !s.expires_at || s.expires_at > now)
    .map((s) => decrypt(ctx.keyRing, s.sealed, aadWebhook(siteId)));
}

/** A new webhook secret; the previous ones keep working for 24 h. Returns the new secret, shown once. */
export async function rotateWebhookSecret(ctx: Ctx, siteId: string): Promise<string> {
  const item = await getItem(ctx, siteId);
  if (!item || item.deleting) throw notFound(siteId);
  const now = ctx.now();
  const graceEnd = new Date(now.getTime() + WEBHOOK_ROTATION_GRACE_MS).toISOString();
  const secret = newWebhookSecret();
  const kept = item.webhook_secrets
    .filter((s) => !s.expires_at || s.expires_at > now.toISOString())
    .map((s) => ({ ...s, expires_at: s.expires_at && s.expires_at < graceEnd ? s.expires_at : graceEnd }));
  const secrets = [
    { sealed: encrypt(ctx.keyRing, secret, aadWebhook(siteId)), created_at: now.toISOString() },
    ...kept,
  ];
  await ctx.db.send(
    new UpdateCommand({
      TableName: ctx.table,
      Key: keyOnly(siteId),
      UpdateExpression: "SET webhook_secrets = :s, updated_at = :now",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":s": secrets, ":now": now.toISOString() },
    }),
  );
  return secret;
}

/** After a run: its status on the site, for the overview. */
export async function recordRun(ctx: Ctx, siteId: string, run: NonNullable<Site["last_run"]>): Promise<void> {
  await ctx.db
    .send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: keyOnly(siteId),
        UpdateExpression: "SET last_run = :r",
        ConditionExpression:
          "attribute_exists(pk) AND (attribute_not_exists(last_run) OR last_run.run_id <= :id)",
        ExpressionAttributeValues: { ":r": run, ":id": run.run_id },
      }),
    )
    .catch((e: Error) => {
      if (e.name !== "ConditionalCheckFailedException") throw e;
    });
}

/** After an entity sync: how many live records the site has, and when the entity was last synced. */
export async function recordEntitySync(ctx: Ctx, siteId: string, entity: Entity, count: number | undefined) {
  const names = { "#e": entity };
  const now = isoNow(ctx.now());
  await ctx.db
    .send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: keyOnly(siteId),
        UpdateExpression:
          count === undefined
            ? "SET last_synced_at = if_not_exists(last_synced_at, :empty)"
            : "SET counts = if_not_exists(counts, :empty), last_synced_at = if_not_exists(last_synced_at, :empty)",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":empty": {} },
      }),
    )
    .catch((e: Error) => {
      if (e.name !== "ConditionalCheckFailedException") throw e;
    });
  await ctx.db
    .send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: keyOnly(siteId),
        UpdateExpression:
          count === undefined
            ? "SET last_synced_at.#e = :now"
            : "SET counts.#e = :c, last_synced_at.#e = :now",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: count === undefined ? { ":now": now } : { ":c": count, ":now": now },
      }),
    )
    .catch((e: Error) => {
      if (e.name !== "ConditionalCheckFailedException") throw e;
    });
}

/** The item's sealed fields, for tests and the key-rotation tool: what is stored, never in clear. */
export const sealedFields = async (ctx: Ctx, siteId: string) => {
  const item = await getItem(ctx, siteId);
  if (!item) throw notFound(siteId);
  return { api_key_sealed: item.api_key_sealed, webhook_secrets: item.webhook_secrets.map((s) => s.sealed) };
};
