/**
 * The UI's schemas must accept what the server's own schemas produce: every sample below is first checked
 * against core's schema (so it is a valid server answer), then parsed by the UI's. A field renamed or
 * retyped on the server side fails here rather than in the browser.
 */
import {
  Exhibition as CoreExhibition,
  Order as CoreOrder,
  Painting as CorePainting,
  User as CoreUser,
} from "@dashboard/core/record";
import { InvalidRecord as CoreInvalidRecord, Run as CoreRun } from "@dashboard/core/run";
import { SiteSettings as CoreSiteSettings } from "@dashboard/core/settings";
import { Site as CoreSite } from "@dashboard/core/site";
import { StatsHistory as CoreStatsHistory } from "@dashboard/core/stats";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import * as Ui from "../src/api/schemas";

function bothAccept<C extends z.ZodType, U extends z.ZodType>(core: C, ui: U, sample: unknown): z.infer<U> {
  const server = core.parse(sample);
  return ui.parse(JSON.parse(JSON.stringify(server)));
}

const provenance = {
  site_id: "atelier",
  template_url: "https://atelier.example",
  sync_timestamp: "2025-03-01T10:00:00.000Z",
};

describe("the UI reads what the server writes", () => {
  it("sites, with and without last run and counts", () => {
    const minimal = {
      id: "atelier",
      name: "Atelier",
      template_url: "https://atelier.example",
      enabled: true,
      created_at: "2025-03-01T10:00:00.000Z",
      api_key_last4: "abcd",
    };
    expect(bothAccept(CoreSite, Ui.Site, minimal).last_run).toBeUndefined();
    const full = bothAccept(CoreSite, Ui.Site, {
      ...minimal,
      last_run: { run_id: "run_1", status: "partial", finished_at: "2025-03-01T10:05:00.000Z" },
      counts: { paintings: 12, users: 3 },
      last_synced_at: { paintings: "2025-03-01T10:05:00.000Z" },
    });
    expect(full.last_run?.status).toBe("partial");
    expect(full.counts?.paintings).toBe(12);
  });

  it("runs: queued with no entities, and finished with results, errors and log", () => {
    const queued = bothAccept(CoreRun, Ui.Run, {
      run_id: "run_1",
      site_id: "atelier",
      trigger: "manual",
      status: "queued",
      started_at: "2025-03-01T10:00:00.000Z",
      entities: {},
    });
    expect(queued.entities).toEqual({});
    const result = { fetched: 3, valid: 2, invalid: 1, written: 2, unchanged: 0, deleted: 0, pages: 1 };
    const done = bothAccept(CoreRun, Ui.Run, {
      run_id: "run_2",
      site_id: "atelier",
      trigger: "webhook",
      status: "partial",
      success: true,
      started_at: "2025-03-01T10:00:00.000Z",
      finished_at: "2025-03-01T10:00:05.000Z",
      entities: {
        paintings: { status: "succeeded", ...result, duration_ms: 1200 },
        stats: {
          status: "failed",
          ...result,
          error: { code: "timeout", message: "Timeout" },
          data: { a: 1 },
        },
      },
      log: [
        {
          entity: "paintings",
          level: "WARNING",
          message: "Peinture invalide: 3",
          timestamp: "2025-03-01T10:00:01Z",
        },
      ],
    });
    expect(done.entities.stats?.error?.code).toBe("timeout");
    expect(done.log?.[0]?.level).toBe("WARNING");
  });

  it("invalid records", () => {
    const record = bothAccept(CoreInvalidRecord, Ui.InvalidRecord, {
      entity: "paintings",
      record_id: null,
      reasons: ["id: required", "price: must be a number"],
      raw: { name: "x" },
    });
    expect(record.reasons).toHaveLength(2);
  });

  it("paintings, users, orders and exhibitions as stored", () => {
    const painting = bothAccept(CorePainting, Ui.Painting, {
      ...provenance,
      id: 1,
      name: "Lumière",
      price: "12.5",
      category: "Paysage",
      image: "Images/p1.jpg",
      image_url: "https://atelier.example/static/Images/p1.jpg",
      year: null,
    });
    expect(painting.price).toBe(12.5);
    expect(painting.status).toBe("Disponible");
    bothAccept(CoreUser, Ui.User, {
      ...provenance,
      id: 2,
      name: "Léa",
      email: "lea@example.fr",
      create_date: "2025-01-01",
    });
    const order = bothAccept(CoreOrder, Ui.Order, {
      ...provenance,
      id: 3,
      customer_name: "Paul",
      email: "paul@example.fr",
      total_price: 450,
      order_date: "2025-03-01 10:11:12.123456+00",
      status: "Livrée",
      items: [{ painting_id: 1, name: "Lumière", image: "x.jpg", price: 450, quantity: 1 }],
      deleted_at: "2025-03-02T00:00:00.000Z",
    });
    expect(order.items?.[0]?.price).toBe(450);
    expect(order.deleted_at).toBe("2025-03-02T00:00:00.000Z");
    bothAccept(CoreExhibition, Ui.Exhibition, { ...provenance, id: 4, title: "Salon", date: "2025-10-12" });
  });

  it("settings with masked values, and the stats history", () => {
    const settings = bothAccept(CoreSiteSettings, Ui.SiteSettings, {
      items: [
        { key: "site_name", value: "Atelier", masked: false, sync_timestamp: "2025-03-01T10:00:00.000Z" },
        { key: "smtp_password", value: null, masked: true, sync_timestamp: "2025-03-01T10:00:00.000Z" },
      ],
      site_name: "Atelier",
      site_logo: null,
      stripe_publishable_key: null,
      saas_site_price_cache: 29.9,
    });
    expect(settings.items[1]?.masked).toBe(true);
    const stats = bothAccept(CoreStatsHistory, Ui.SiteStats, {
      latest: { total_revenue: 10 },
      history: [{ timestamp: "2025-03-01T10:00:00.000Z", data: { total_revenue: 10 } }],
    });
    expect(stats.history).toHaveLength(1);
  });

  it("the same site id rule as the server", () => {
    for (const id of ["ab", "atelier-dupont", "a1", "x".repeat(64)]) {
      expect(Ui.SiteSlug.safeParse(id).success, id).toBe(CoreSite.shape.id.safeParse(id).success);
    }
    for (const id of ["a", "-ab", "ab-", "Atelier", "a_b", "x".repeat(65), "a b"]) {
      expect(Ui.SiteSlug.safeParse(id).success, id).toBe(false);
      expect(CoreSite.shape.id.safeParse(id).success, id).toBe(false);
    }
  });
});

describe("access: the UI reads the caller, tokens and audit entries as the server writes them", () => {
  it("knows the server's roles and ranks them the same way", async () => {
    const { ROLES: serverRoles, allows: serverAllows } = await import("@dashboard/core/role");
    const { allows } = await import("../src/lib/roles");
    expect(Ui.Role.options).toEqual(serverRoles);
    for (const role of serverRoles) {
      for (const required of serverRoles) expect(allows(role, required)).toBe(serverAllows(role, required));
    }
  });

  it("knows every audit action and outcome the server records", async () => {
    const { AuditAction, AuditOutcome } = await import("@dashboard/core/audit");
    const { AUDIT_ACTIONS, AUDIT_OUTCOMES } = await import("../src/lib/audit");
    expect([...AUDIT_ACTIONS]).toEqual(AuditAction.options);
    expect([...AUDIT_OUTCOMES]).toEqual(AuditOutcome.options);
  });

  it("parses a caller, a token and an audit entry", async () => {
    const { Actor } = await import("@dashboard/core/role");
    const { TokenInfo } = await import("@dashboard/core/token");
    const { AuditEntry } = await import("@dashboard/core/audit");
    const me = bothAccept(Actor, Ui.Me, { token_id: "tok_0123456789abcdef", name: "Marie", role: "viewer" });
    expect(me.role).toBe("viewer");
    const token = bothAccept(TokenInfo, Ui.TokenInfo, {
      token_id: "tok_0123456789abcdef",
      name: "Comptable",
      role: "viewer",
      status: "revoked",
      created_at: "2025-03-01T10:00:00.000Z",
      created_by: "bootstrap",
      revoked_at: "2025-03-02T10:00:00.000Z",
      revoked_by: "Marie",
    });
    expect(token.status).toBe("revoked");
    const entry = bothAccept(AuditEntry, Ui.AuditEntry, {
      audit_id: "aud_01J",
      at: "2025-03-01T10:00:00.000Z",
      actor: { token_id: "bootstrap", name: "bootstrap", role: "owner" },
      action: "site.updated",
      target: { type: "site", id: "atelier" },
      site_id: "atelier",
      fields: ["name"],
      outcome: "success",
      status: 200,
      ip: "203.0.113.7",
      user_agent: "curl/8",
    });
    expect(entry.fields).toEqual(["name"]);
  });
});
