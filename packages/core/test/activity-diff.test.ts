/**
 * activity/diff.ts and activity/operational.ts: what one change of an item means, with no I/O. The images
 * are built by the sync's own `toItem`, so they are the items the sync really writes.
 */
import { changedFields, diffRecord } from "@dashboard/core/activity/diff";
import { runEvents, siteEvents, unreachableMinutesFromEnv } from "@dashboard/core/activity/operational";
import type { Images } from "@dashboard/core/activity/stream";
import type { RecordEntity } from "@dashboard/core/entity";
import { recordHash, toItem } from "@dashboard/core/record";
import { describe, expect, it } from "vitest";

const URL = "https://atelier.example";

const item = (
  entity: RecordEntity,
  record: { id: number } & Record<string, unknown>,
  at = "2026-12-07T10:00:00.000Z",
  run = "run_A",
  url = URL,
) => toItem("atelier", entity, record, url, at, recordHash(record, url), run);

const painting = { id: 7, name: "Nuit bleue", price: 820, category: "Huile", status: "Disponible" };
const change = (
  old: Record<string, unknown> | undefined,
  next: Record<string, unknown> | undefined,
  seq = "100",
) =>
  ({
    eventName: old && next ? "MODIFY" : next ? "INSERT" : "REMOVE",
    seq,
    ...(old ? { old } : {}),
    ...(next ? { new: next } : {}),
  }) as Images;

describe("diffRecord", () => {
  it("a record of its entity's first import: its history starts, but it is not news (no event)", () => {
    const imported = toItem(
      "atelier",
      "paintings",
      painting,
      URL,
      "2026-12-07T10:00:00.000Z",
      "h",
      "run_A",
      [],
      true,
    );
    const out = diffRecord(change(undefined, imported));
    expect(out.history?.change).toBe("created");
    expect(out.events).toEqual([]);
    // Its next change is news like any other.
    const repriced = item("paintings", { ...painting, price: 990 });
    expect(diffRecord(change(imported, repriced)).events.map((e) => e.kind)).toEqual([
      "painting_price_changed",
    ]);
  });

  it("a new painting: created, and painting_added with its sentence in both languages", () => {
    const out = diffRecord(change(undefined, item("paintings", painting)));
    expect(out.history).toEqual({
      site_id: "atelier",
      entity: "paintings",
      record_id: 7,
      at: "2026-12-07T10:00:00.000Z",
      change: "created",
      fields: [],
      run_id: "run_A",
    });
    expect(out.events.map((e) => e.kind)).toEqual(["painting_added"]);
    expect(out.events[0]?.record_label).toBe("Nuit bleue");
    expect(out.events[0]?.message.fr).toContain("« Nuit bleue »");
    expect(out.events[0]?.message.en).toContain('"Nuit bleue"');
  });

  it("a price change and a sale: field-level history, painting_price_changed and painting_sold", () => {
    const before = item("paintings", painting);
    const after = item(
      "paintings",
      { ...painting, price: 990, status: "Vendu" },
      "2026-12-07T11:00:00.000Z",
      "run_B",
    );
    const out = diffRecord(change(before, after));
    expect(out.history?.change).toBe("updated");
    expect(out.history?.fields).toEqual([
      { field: "price", from: 820, to: 990 },
      { field: "status", from: "Disponible", to: "Vendu" },
    ]);
    expect(out.history?.at).toBe("2026-12-07T11:00:00.000Z");
    expect(out.events.map((e) => [e.kind, e.params])).toEqual([
      ["painting_price_changed", { from: 820, to: 990 }],
      ["painting_sold", { price: 990, from: "Disponible" }],
    ]);
    expect(out.events[0]?.message.en).toBe('Price of "Nuit bleue" on atelier: €820 → €990');
  });

  it("sold is the status `vendu` in any case; a status already sold is no new sale", () => {
    const sold = diffRecord(
      change(item("paintings", painting), item("paintings", { ...painting, status: "vendu" })),
    );
    expect(sold.events.map((e) => e.kind)).toEqual(["painting_sold"]);
    const again = diffRecord(
      change(
        item("paintings", { ...painting, status: "vendu" }),
        item("paintings", { ...painting, status: "Vendu" }),
      ),
    );
    expect(again.history?.fields).toEqual([{ field: "status", from: "vendu", to: "Vendu" }]);
    expect(again.events).toEqual([]);
  });

  it("what the Dashboard adds does not count: a resync, a new run, a moved Template URL, a hash change", () => {
    const before = item("paintings", painting);
    const resync = item("paintings", painting, "2026-12-08T00:00:00.000Z", "run_Z", "https://moved.example");
    expect({ ...resync, hash: "other", f_status: "x", search: "y" }).not.toEqual(before);
    expect(diffRecord(change(before, { ...resync, hash: "other", f_status: "x", search: "y" }))).toEqual({
      events: [],
    });
  });

  it("an order created, then shipped: order_created, then order_status_changed", () => {
    const order = { id: 12, customer_name: "Marie Dupont", total_price: 1250, status: "En cours", items: [] };
    const created = diffRecord(change(undefined, item("orders", order)));
    expect(created.events.map((e) => [e.kind, e.params])).toEqual([
      ["order_created", { total_price: 1250, status: "En cours" }],
    ]);
    expect(created.events[0]?.message.fr).toMatch(
      /^Nouvelle commande n°12 de Marie Dupont \(1\s250\s€\) sur atelier$/,
    );
    const shipped = diffRecord(
      change(item("orders", order), item("orders", { ...order, status: "Expédiée" })),
    );
    expect(shipped.history?.fields).toEqual([{ field: "status", from: "En cours", to: "Expédiée" }]);
    expect(shipped.events.map((e) => [e.kind, e.params])).toEqual([
      ["order_status_changed", { from: "En cours", to: "Expédiée" }],
    ]);
  });

  it("a nested change (an order's items) is one field change", () => {
    const a = { items: [{ painting_id: 1, price: 10 }] };
    const b = { items: [{ price: 10, painting_id: 1 }] };
    expect(changedFields(a, b)).toEqual([]);
    expect(changedFields(a, { items: [] })).toEqual([{ field: "items", from: a.items, to: [] }]);
  });

  it("deleted at the source, then restored: one entry each; a deleted painting raises painting_removed", () => {
    const live = item("paintings", painting);
    const gone = {
      ...live,
      deleted_at: "2026-12-07T12:00:00.000Z",
      data: { ...(live.data as object), deleted_at: "2026-12-07T12:00:00.000Z" },
    };
    const deleted = diffRecord(change(live, gone));
    expect(deleted.history).toMatchObject({ change: "deleted", at: "2026-12-07T12:00:00.000Z", fields: [] });
    expect(deleted.events.map((e) => e.kind)).toEqual(["painting_removed"]);
    const restored = diffRecord(change(gone, item("paintings", painting, "2026-12-07T13:00:00.000Z")));
    expect(restored.history).toMatchObject({ change: "restored", at: "2026-12-07T13:00:00.000Z" });
    expect(restored.events).toEqual([]);
    expect(diffRecord(change(gone, { ...gone, changed_by: "run_Q" }))).toEqual({ events: [] });
  });

  it("a deleted user: history only; a new user: user_registered; a new exhibition: exhibition_added", () => {
    const user = { id: 3, name: "Jean", email: "j@example.com", role: "user" };
    const live = item("users", user);
    const gone = { ...live, deleted_at: "2026-12-07T12:00:00.000Z" };
    expect(diffRecord(change(live, gone))).toMatchObject({ history: { change: "deleted" }, events: [] });
    expect(diffRecord(change(undefined, live)).events.map((e) => e.kind)).toEqual(["user_registered"]);
    const show = item("exhibitions", { id: 1, title: "Printemps", location: "Lyon", date: "2027-03-01" });
    expect(diffRecord(change(undefined, show)).events.map((e) => e.kind)).toEqual(["exhibition_added"]);
  });

  it("an item removed from the table (site deletion, TTL) leaves nothing", () => {
    expect(diffRecord(change(item("paintings", painting), undefined))).toEqual({ events: [] });
  });

  it("event ids are deterministic per stream record, distinct across records", () => {
    const a = diffRecord(change(undefined, item("paintings", painting), "100"));
    const b = diffRecord(change(undefined, item("paintings", painting), "100"));
    const c = diffRecord(change(undefined, item("paintings", painting), "101"));
    expect(a.events[0]?.event_id).toBe(b.events[0]?.event_id);
    expect(a.events[0]?.event_id).not.toBe(c.events[0]?.event_id);
    expect(a.events[0]?.event_id).toMatch(/^evt_[0-9a-f]{26}$/);
  });
});

describe("operational events", () => {
  const run = (status: string, extra: Record<string, unknown> = {}) => ({
    type: "run",
    run_id: "run_01",
    site_id: "atelier",
    trigger: "schedule",
    status,
    started_at: "2026-12-07T10:00:00.000Z",
    entities: { paintings: { status: "failed", error: { code: "timeout" } } },
    ...extra,
  });

  it("sync_failed once, when a run becomes failed", () => {
    const failed = run("failed", { finished_at: "2026-12-07T10:05:00.000Z" });
    const events = runEvents(change(run("running"), failed));
    expect(events.map((e) => [e.kind, e.at, e.params])).toEqual([
      [
        "sync_failed",
        "2026-12-07T10:05:00.000Z",
        { trigger: "schedule", code: "timeout", entity: "paintings" },
      ],
    ]);
    expect(runEvents(change(failed, { ...failed, joined: [] }))).toEqual([]);
    expect(runEvents(change(run("running"), run("succeeded")))).toEqual([]);
  });

  const site = (lastRun: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    type: "site",
    id: "atelier",
    last_run: lastRun,
    ...extra,
  });
  const failedRun = (id: string, at: string) => ({
    run_id: id,
    status: "failed",
    finished_at: at,
    error: { code: "timeout" },
  });

  it("site_unreachable once the failures last the threshold, once per outage; site_recovered after it", () => {
    const since = "2026-12-07T10:00:00.000Z";
    const early = site(failedRun("run_1", since), { failing_since: since });
    const later = site(failedRun("run_2", "2026-12-07T10:59:00.000Z"), { failing_since: since });
    const late = site(failedRun("run_3", "2026-12-07T11:00:00.000Z"), { failing_since: since });
    const later2 = site(failedRun("run_4", "2026-12-07T11:15:00.000Z"), { failing_since: since });
    expect(siteEvents(change(early, later), { unreachableMinutes: 60 }).events).toEqual([]);
    const raised = siteEvents(change(later, late), { unreachableMinutes: 60 }).events;
    expect(raised.map((e) => [e.kind, e.params])).toEqual([
      ["site_unreachable", { minutes: 60, since, code: "timeout" }],
    ]);
    expect(siteEvents(change(late, later2), { unreachableMinutes: 60 }).events).toEqual([]);

    const ok = site({ run_id: "run_5", status: "succeeded", finished_at: "2026-12-07T11:30:00.000Z" });
    const out = siteEvents(change(later2, ok), { unreachableMinutes: 60 });
    expect(out.events).toEqual([]);
    expect(out.recovery?.unreachableId).toBe(raised[0]?.event_id);
    expect(out.recovery?.event).toMatchObject({ kind: "site_recovered", params: { minutes: 90, since } });
  });

  it("security_warning for a warning code the previous check did not have", () => {
    const warning = (code: string) => ({ code, message: "m", action: "a", keys: [], detected_at: "t" });
    const before = site(
      { run_id: "r", status: "running" },
      { health: { warnings: [warning("settings_exposed_without_key")], checked_at: "t1" } },
    );
    const after = site(
      { run_id: "r", status: "running" },
      {
        health: {
          warnings: [warning("settings_exposed_without_key"), warning("settings_secrets_in_clear")],
          checked_at: "2026-12-07T10:00:00.000Z",
        },
      },
    );
    const events = siteEvents(change(before, after)).events;
    expect(events.map((e) => [e.kind, e.params])).toEqual([
      ["security_warning", { code: "settings_secrets_in_clear" }],
    ]);
    expect(events[0]?.message.en).toBe("Security: the settings export of atelier serves secrets in clear");
  });

  it("ALERT_UNREACHABLE_MINUTES: default 60, refused when not a whole number of minutes", () => {
    expect(unreachableMinutesFromEnv({})).toBe(60);
    expect(unreachableMinutesFromEnv({ ALERT_UNREACHABLE_MINUTES: "15" })).toBe(15);
    expect(() => unreachableMinutesFromEnv({ ALERT_UNREACHABLE_MINUTES: "soon" })).toThrow(
      /ALERT_UNREACHABLE_MINUTES/,
    );
  });
});
