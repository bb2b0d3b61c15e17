/**
 * The columns of each exported list, defined once: a header (stable, English, snake_case: what a script
 * or a spreadsheet formula refers to) and how the value is read from the row. Dates the Template stored as
 * text are written ISO 8601 (`isoDate`); the Dashboard's own timestamps already are.
 *
 * Orders export one row per order item (the accountant's view: a painting sold, its price and quantity,
 * summable per painting), each row repeating its order's columns; `line` numbers the items of an order
 * from 1, and an order without items has one row with `line` 0 and the item columns empty. Sum
 * `total_price` over the rows with `line` ≤ 1 for the orders' totals, `item_price × item_quantity` for the
 * items'.
 */
import type * as z from "zod";
import { ActivityEvent } from "../activity/schema";
import type { RecordEntity } from "../entity";
import { maskPersonalData } from "../privacy";
import { CustomRequest, Exhibition, Order, Painting, User } from "../record";
import { Run } from "../run/schema";
import { isoDate } from "../util/time";

export interface Column<Row> {
  header: string;
  value: (row: Row) => unknown;
}

/** What a list exports: its columns, the rows one record gives, and whether it holds personal data. */
interface ListColumns<R, Row = R> {
  columns: readonly Column<Row>[];
  rows: (record: R) => Row[];
  /** Holds customers' or users' e-mail addresses (masked for a viewer, as the list API masks them). */
  personal: boolean;
}

/** A list ready to write: its headers, and the lines (cell values) of one stored item. */
export interface CsvList {
  headers: readonly string[];
  personal: boolean;
  /**
   * The lines of one item as the list API reads it (parsed with the list's schema), e-mail addresses
   * masked when `mask` (core privacy.ts, as the list API does for a viewer).
   */
  lines: (item: unknown, mask: boolean) => unknown[][];
}

const csvList = <R, Row>(schema: z.ZodType<R>, def: ListColumns<R, Row>): CsvList => ({
  headers: def.columns.map((c) => c.header),
  personal: def.personal,
  lines: (item, mask) => {
    const record = schema.parse(item);
    const shown = mask && def.personal ? maskPersonalData(record) : record;
    return def.rows(shown).map((row) => def.columns.map((c) => c.value(row)));
  },
});

const one = <R>(record: R): R[] => [record];

const col = <Row>(header: string, value: (row: Row) => unknown): Column<Row> => ({ header, value });

interface ProvenanceFields {
  template_url: string;
  sync_timestamp: string;
  deleted_at?: string | undefined;
  quality: string[];
}

/** The provenance every synced record carries, last on each line. */
const provenance = <Row>(of: (row: Row) => ProvenanceFields): Column<Row>[] => [
  col("quality", (r) => of(r).quality.join(" ")),
  col("deleted_at", (r) => of(r).deleted_at),
  col("sync_timestamp", (r) => of(r).sync_timestamp),
  col("template_url", (r) => of(r).template_url),
];

const PAINTINGS: ListColumns<Painting> = {
  personal: false,
  rows: one,
  columns: [
    col("site_id", (p) => p.site_id),
    col("site_name", (p) => p.site_name),
    col("id", (p) => p.id),
    col("name", (p) => p.name),
    col("price", (p) => p.price),
    col("category", (p) => p.category),
    col("technique", (p) => p.technique),
    col("year", (p) => p.year),
    col("quantity", (p) => p.quantity),
    col("status", (p) => p.status),
    col("display_order", (p) => p.display_order),
    col("image", (p) => p.image),
    col("image_url", (p) => p.image_url),
    ...provenance<Painting>((r) => r),
  ],
};

const USERS: ListColumns<User> = {
  personal: true,
  rows: one,
  columns: [
    col("site_id", (u) => u.site_id),
    col("site_name", (u) => u.site_name),
    col("id", (u) => u.id),
    col("name", (u) => u.name),
    col("email", (u) => u.email),
    col("role", (u) => u.role),
    col("create_date", (u) => isoDate(u.create_date)),
    ...provenance<User>((r) => r),
  ],
};

/** One line of an order: the order, and one of its items (none for an order without items). */
interface OrderLine {
  order: Order;
  line: number;
  item?: Order["items"][number];
}

const ORDERS: ListColumns<Order, OrderLine> = {
  personal: true,
  rows: (order) =>
    order.items.length === 0
      ? [{ order, line: 0 }]
      : order.items.map((item, i) => ({ order, line: i + 1, item })),
  columns: [
    col("site_id", (l) => l.order.site_id),
    col("site_name", (l) => l.order.site_name),
    col("order_id", (l) => l.order.id),
    col("order_date", (l) => isoDate(l.order.order_date)),
    col("customer_name", (l) => l.order.customer_name),
    col("email", (l) => l.order.email),
    col("status", (l) => l.order.status),
    col("total_price", (l) => l.order.total_price),
    col("line", (l) => l.line),
    col("item_painting_id", (l) => l.item?.painting_id),
    col("item_name", (l) => l.item?.name),
    col("item_price", (l) => l.item?.price),
    col("item_quantity", (l) => l.item?.quantity),
    ...provenance((l: OrderLine) => l.order),
  ],
};

const EXHIBITIONS: ListColumns<Exhibition> = {
  personal: false,
  rows: one,
  columns: [
    col("site_id", (e) => e.site_id),
    col("site_name", (e) => e.site_name),
    col("id", (e) => e.id),
    col("title", (e) => e.title),
    col("location", (e) => e.location),
    col("date", (e) => isoDate(e.date)),
    col("start_time", (e) => e.start_time),
    col("end_time", (e) => e.end_time),
    col("description", (e) => e.description),
    ...provenance<Exhibition>((r) => r),
  ],
};

const CUSTOM_REQUESTS: ListColumns<CustomRequest> = {
  personal: true,
  rows: one,
  columns: [
    col("site_id", (r) => r.site_id),
    col("site_name", (r) => r.site_name),
    col("id", (r) => r.id),
    col("client_name", (r) => r.client_name),
    col("description", (r) => r.description),
    col("status", (r) => r.status),
    col("created_at", (r) => isoDate(r.created_at)),
    ...provenance<CustomRequest>((r) => r),
  ],
};

/** Records counts of a run: the sum over its entities. */
const total = (
  run: Run,
  field: "fetched" | "valid" | "flagged" | "rejected" | "written" | "unchanged" | "deleted",
) => Object.values(run.entities).reduce((sum, r) => sum + (r?.[field] ?? 0), 0);

const RUNS: ListColumns<Run> = {
  personal: false,
  rows: one,
  columns: [
    col("run_id", (r) => r.run_id),
    col("site_id", (r) => r.site_id),
    col("trigger", (r) => r.trigger),
    col("status", (r) => r.status),
    col("started_at", (r) => r.started_at),
    col("finished_at", (r) => r.finished_at),
    col("duration_ms", (r) =>
      r.finished_at ? Date.parse(r.finished_at) - Date.parse(r.started_at) : undefined,
    ),
    // `paintings:succeeded users:failed(template_timeout)`: each entity with its status and error code.
    col("entities", (r) =>
      Object.entries(r.entities)
        .map(([entity, res]) => `${entity}:${res?.status}${res?.error ? `(${res.error.code})` : ""}`)
        .join(" "),
    ),
    col("fetched", (r) => total(r, "fetched")),
    col("valid", (r) => total(r, "valid")),
    col("flagged", (r) => total(r, "flagged")),
    col("rejected", (r) => total(r, "rejected")),
    col("written", (r) => total(r, "written")),
    col("unchanged", (r) => total(r, "unchanged")),
    col("deleted", (r) => total(r, "deleted")),
  ],
};

/** Events of the activity feed, newest first; their sentences in both languages, as the UI shows them. */
const ACTIVITY: ListColumns<ActivityEvent> = {
  // Sentences and labels may name a customer or a user by e-mail (masked for a viewer, as in the feed).
  personal: true,
  rows: one,
  columns: [
    col("at", (e) => e.at),
    col("site_id", (e) => e.site_id),
    col("kind", (e) => e.kind),
    col("message_fr", (e) => e.message.fr),
    col("message_en", (e) => e.message.en),
    col("entity", (e) => e.entity),
    col("record_id", (e) => e.record_id),
    col("record_label", (e) => e.record_label),
    col("run_id", (e) => e.run_id),
    // The event's values (`{"from": 820, "to": 990}`) as JSON, for a script; empty when it has none.
    col("params", (e) => (Object.keys(e.params).length > 0 ? e.params : undefined)),
    col("event_id", (e) => e.event_id),
  ],
};

/** Every exported list, by name: the record entities, the sync runs and the activity feed. */
export const LISTS = {
  paintings: csvList(Painting, PAINTINGS),
  users: csvList(User, USERS),
  orders: csvList(Order, ORDERS),
  exhibitions: csvList(Exhibition, EXHIBITIONS),
  custom_requests: csvList(CustomRequest, CUSTOM_REQUESTS),
  runs: csvList(Run, RUNS),
  activity: csvList(ActivityEvent, ACTIVITY),
} as const satisfies Record<RecordEntity | "runs" | "activity", CsvList>;
