import { describe, expect, it } from "vitest";
import type { ActivityEvent } from "../src/api/types";
import { eventLink, eventSentence, kindOf, periodOf, periodStart } from "../src/lib/activity";
import { translate } from "../src/lib/i18n";

const event = (over: Partial<ActivityEvent> = {}): ActivityEvent => ({
  event_id: "evt_1",
  kind: "painting_price_changed",
  site_id: "atelier claire",
  at: "2026-05-10T08:00:00.000Z",
  entity: "paintings",
  record_id: 12,
  record_label: "Les Nymphéas",
  params: { from: 820, to: 990 },
  message: {
    fr: "Prix de « Les Nymphéas » modifié : 820 → 990",
    en: "Price of “Les Nymphéas” changed: 820 → 990",
  },
  ...over,
});

describe("activity", () => {
  it("shows the server's sentence in the reader's language", () => {
    expect(eventSentence(event(), "fr")).toContain("Prix de « Les Nymphéas »");
    expect(eventSentence(event(), "en")).toContain("Price of “Les Nymphéas”");
  });

  it("links a record event to its page, a run event to its run, and nothing else", () => {
    expect(eventLink(event())).toEqual({ href: "#/paintings/atelier%20claire/12", kind: "record" });
    expect(eventLink(event({ entity: "orders", record_id: 3, kind: "order_created" }))?.href).toBe(
      "#/orders/atelier%20claire/3",
    );
    // Exhibitions have no page of their own.
    expect(eventLink(event({ entity: "exhibitions", kind: "exhibition_added" }))).toBeUndefined();
    const failed = event({ kind: "sync_failed", entity: undefined, record_id: undefined, run_id: "run_9" });
    expect(eventLink(failed)).toEqual({ href: "#/runs/run_9", kind: "run" });
  });

  it("reads kinds and periods from the address bar, ignoring anything else", () => {
    expect(kindOf("painting_sold")).toBe("painting_sold");
    expect(kindOf("painting_stolen")).toBeUndefined();
    expect(periodOf("7d")).toBe("7d");
    expect(periodOf("1y")).toBeUndefined();
    expect(periodStart("24h", new Date("2026-05-10T08:00:00Z"))).toBe("2026-05-09T08:00:00.000Z");
  });

  it("words every kind and change in both languages", () => {
    for (const lang of ["fr", "en"] as const) {
      expect(translate(lang, "activity.kind.security_warning")).not.toBe("activity.kind.security_warning");
      expect(translate(lang, "history.change", { field: "Prix", from: "820", to: "990" })).toMatch(
        /Prix ?: 820 → 990/,
      );
    }
    expect(translate("fr", "history.created")).toBe("Créé sur le site");
  });
});
