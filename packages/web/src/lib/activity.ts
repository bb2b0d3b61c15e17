/**
 * The activity feed and records' history, in the reader's language: an event's sentence comes from the server
 * in both languages (`message.fr`, `message.en`: core words it once, for the UI, alerts and exports alike);
 * the kinds' names, the periods of the filter and a history entry's words come from the message catalogue.
 */
import type { ActivityEvent, HistoryEntry } from "../api/types";
import type { Lang, MessageKey } from "./i18n";
import { href } from "./router";

/** The kinds as the filter offers them, in two groups (the server's `EventKind`, restated for the select). */
export const RECORD_KINDS = [
  "order_created",
  "order_status_changed",
  "painting_sold",
  "painting_price_changed",
  "painting_added",
  "painting_removed",
  "user_registered",
  "exhibition_added",
] as const satisfies readonly ActivityEvent["kind"][];
export const OPERATIONAL_KINDS = [
  "site_unreachable",
  "sync_failed",
  "site_recovered",
  "security_warning",
] as const satisfies readonly ActivityEvent["kind"][];

/** Every kind the server has is in one of the groups: a kind added to core fails the UI's typecheck here. */
type Unlisted = Exclude<
  ActivityEvent["kind"],
  (typeof RECORD_KINDS)[number] | (typeof OPERATIONAL_KINDS)[number]
>;
const everyKindListed: [Unlisted] extends [never] ? true : never = true;

const KINDS: ReadonlySet<string> = new Set(everyKindListed ? [...RECORD_KINDS, ...OPERATIONAL_KINDS] : []);

/** A kind from the address bar, or undefined when it is not one (the filter is then not sent). */
export const kindOf = (value: string | undefined): ActivityEvent["kind"] | undefined =>
  value !== undefined && KINDS.has(value) ? (value as ActivityEvent["kind"]) : undefined;

export const kindLabelKey = (kind: string): MessageKey => `activity.kind.${kind}` as MessageKey;

/** The event's sentence in the reader's language. */
export const eventSentence = (event: Pick<ActivityEvent, "message">, lang: Lang): string =>
  event.message[lang];

const DETAIL = { paintings: "painting", users: "user", orders: "order" } as const;

/**
 * Where an event leads: the record's page when the UI has one (paintings, users, orders), else the run's
 * page for an event about a run; undefined otherwise.
 */
export function eventLink(event: ActivityEvent): { href: string; kind: "record" | "run" } | undefined {
  const route = event.entity ? DETAIL[event.entity as keyof typeof DETAIL] : undefined;
  if (route && event.record_id !== undefined)
    return { href: href(route, { site: event.site_id, id: String(event.record_id) }), kind: "record" };
  if (event.run_id) return { href: href("run", { id: event.run_id }), kind: "run" };
  return undefined;
}

export const PERIODS = ["24h", "7d", "30d"] as const;
export type Period = (typeof PERIODS)[number];
const PERIOD_MS: Record<Period, number> = { "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 };

export const periodOf = (value: string | undefined): Period | undefined =>
  (PERIODS as readonly string[]).includes(value ?? "") ? (value as Period) : undefined;

/** The start of a period ending now, as the API's `from` (ISO). */
export const periodStart = (period: Period, now: Date): string =>
  new Date(now.getTime() - PERIOD_MS[period]).toISOString();

export const changeLabelKey = (change: HistoryEntry["change"]): MessageKey => `history.${change}`;
