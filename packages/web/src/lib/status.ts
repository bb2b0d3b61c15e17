/**
 * Maps the free-text statuses the Template and the API produce to a badge: a stable kind (used by tests
 * and `data-*` attributes) and a colour tone. Painting and order statuses are French free text in any case
 * and with or without accents ("Réservé", "reserve", "RESERVEE"), so they are normalised before matching.
 */
import type { EntityResult, Run } from "../api/types";

export type Tone = "success" | "danger" | "warning" | "info" | "neutral";

/** Lower case, no accents, single spaces: "  Réservée " → "reservee". */
export function normalizeText(value: unknown): string {
  if (typeof value !== "string") return "";
  return value.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/\s+/g, " ").trim();
}

export type PaintingStatusKind = "available" | "sold" | "reserved" | "other";

const PAINTING_STATUS: ReadonlyArray<[PaintingStatusKind, Tone, RegExp]> = [
  ["available", "success", /^(disponible|available|en vente|for sale)$/],
  ["sold", "danger", /^(vendue?s?|sold)$/],
  ["reserved", "warning", /^(reservee?s?|reserved|on hold)$/],
];

export function paintingStatus(status: unknown): { kind: PaintingStatusKind; tone: Tone } {
  const text = normalizeText(status);
  for (const [kind, tone, pattern] of PAINTING_STATUS) {
    if (pattern.test(text)) return { kind, tone };
  }
  return { kind: "other", tone: "neutral" };
}

export type RoleKind = "admin" | "user";

/** The seed's rule, case-insensitively: `admin` is an administrator, anything else (or nothing) a user. */
export function roleKind(role: unknown): RoleKind {
  const text = normalizeText(role);
  return text === "admin" || text === "administrateur" || text === "administrator" ? "admin" : "user";
}

export type OrderStatusKind = "pending" | "paid" | "shipped" | "delivered" | "cancelled" | "other";

const ORDER_STATUS: ReadonlyArray<[OrderStatusKind, Tone, RegExp]> = [
  ["delivered", "success", /^(livree?s?|delivered|completed?|terminee?)$/],
  ["shipped", "info", /^(expediee?s?|shipped|en cours de livraison)$/],
  ["paid", "info", /^(payee?s?|paid|confirmee?s?|confirmed|validee?)$/],
  ["pending", "warning", /^(en attente|pending|nouvelle|new|en cours|processing)$/],
  ["cancelled", "danger", /^(annulee?s?|cancell?ed|remboursee?s?|refunded|failed|echouee?)$/],
];

export function orderStatus(status: unknown): { kind: OrderStatusKind; tone: Tone } {
  const text = normalizeText(status);
  for (const [kind, tone, pattern] of ORDER_STATUS) {
    if (pattern.test(text)) return { kind, tone };
  }
  return { kind: "other", tone: "neutral" };
}

/** A run's and an entity's statuses are the server's (a status added there fails this file's typecheck). */
export type RunStatus = Run["status"];
export type EntityStatus = EntityResult["status"];

/** A run that may still change: the UI polls while one is on screen. */
export const isActiveRun = (status: string): boolean => status === "queued" || status === "running";

const RUN_TONE: Record<RunStatus, Tone> = {
  queued: "neutral",
  running: "info",
  succeeded: "success",
  partial: "warning",
  failed: "danger",
  cancelled: "neutral",
};

export const isRunStatus = (status: string): status is RunStatus => Object.hasOwn(RUN_TONE, status);

export const runStatusTone = (status: string): Tone => (isRunStatus(status) ? RUN_TONE[status] : "neutral");

const ENTITY_TONE: Record<EntityStatus, Tone> = {
  pending: "neutral",
  running: "info",
  retrying: "warning",
  succeeded: "success",
  failed: "danger",
  skipped: "neutral",
  cancelled: "neutral",
};

export const isEntityStatus = (status: string): status is EntityStatus => Object.hasOwn(ENTITY_TONE, status);

export const entityStatusTone = (status: string): Tone =>
  isEntityStatus(status) ? ENTITY_TONE[status] : "neutral";

export const LOG_LEVELS = ["INFO", "SUCCESS", "WARNING", "ERROR"] as const;

/** The seed's colours: INFO neutral blue, SUCCESS green, WARNING orange, ERROR red. */
export function logLevelTone(level: string): Tone {
  switch (level.toUpperCase()) {
    case "SUCCESS":
      return "success";
    case "WARNING":
    case "WARN":
      return "warning";
    case "ERROR":
      return "danger";
    default:
      return "info";
  }
}
