import { describe, expect, it } from "vitest";
import {
  entityStatusTone,
  isActiveRun,
  logLevelTone,
  normalizeText,
  orderStatus,
  paintingStatus,
  roleKind,
  runStatusTone,
} from "../src/lib/status";

describe("paintingStatus", () => {
  it("reads the French statuses in any case and with or without accents", () => {
    for (const status of ["disponible", "Disponible", "DISPONIBLE", " disponible "]) {
      expect(paintingStatus(status)).toEqual({ kind: "available", tone: "success" });
    }
    for (const status of ["vendu", "Vendu", "VENDUE", "vendus"]) {
      expect(paintingStatus(status)).toEqual({ kind: "sold", tone: "danger" });
    }
    for (const status of ["Réservé", "réservée", "reserve", "RESERVE", "Réservés"]) {
      expect(paintingStatus(status)).toEqual({ kind: "reserved", tone: "warning" });
    }
  });

  it("shows anything else, or nothing, as a neutral badge", () => {
    expect(paintingStatus("en restauration")).toEqual({ kind: "other", tone: "neutral" });
    expect(paintingStatus(null)).toEqual({ kind: "other", tone: "neutral" });
    expect(paintingStatus("")).toEqual({ kind: "other", tone: "neutral" });
  });
});

describe("roleKind", () => {
  it("follows the seed: admin is an administrator, anything else a user", () => {
    expect(roleKind("admin")).toBe("admin");
    expect(roleKind("Admin")).toBe("admin");
    expect(roleKind("administrateur")).toBe("admin");
    expect(roleKind("user")).toBe("user");
    expect(roleKind(null)).toBe("user");
    expect(roleKind("superuser")).toBe("user");
  });
});

describe("orderStatus", () => {
  it("colours the usual order statuses", () => {
    expect(orderStatus("Livrée").tone).toBe("success");
    expect(orderStatus("En attente").tone).toBe("warning");
    expect(orderStatus("Annulée").tone).toBe("danger");
    expect(orderStatus("payée").kind).toBe("paid");
    expect(orderStatus("quelque chose").kind).toBe("other");
  });
});

describe("run, entity and log tones", () => {
  it("maps every documented status, and unknown ones to neutral", () => {
    expect(runStatusTone("succeeded")).toBe("success");
    expect(runStatusTone("partial")).toBe("warning");
    expect(runStatusTone("failed")).toBe("danger");
    expect(runStatusTone("running")).toBe("info");
    expect(runStatusTone("exploded")).toBe("neutral");
    expect(entityStatusTone("failed")).toBe("danger");
    expect(entityStatusTone("skipped")).toBe("neutral");
  });

  it("colours log levels like the seed: SUCCESS green, WARNING orange, ERROR red", () => {
    expect(logLevelTone("SUCCESS")).toBe("success");
    expect(logLevelTone("WARNING")).toBe("warning");
    expect(logLevelTone("ERROR")).toBe("danger");
    expect(logLevelTone("INFO")).toBe("info");
    expect(logLevelTone("error")).toBe("danger");
  });

  it("treats queued and running runs as live, and only those", () => {
    expect(isActiveRun("queued")).toBe(true);
    expect(isActiveRun("running")).toBe(true);
    for (const status of ["succeeded", "partial", "failed", "pending"])
      expect(isActiveRun(status)).toBe(false);
  });
});

describe("normalizeText", () => {
  it("drops accents, case and extra spaces", () => {
    expect(normalizeText("  Réservée   Bientôt ")).toBe("reservee bientot");
    expect(normalizeText(42)).toBe("");
  });
});
