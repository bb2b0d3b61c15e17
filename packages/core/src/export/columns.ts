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

/** Columns that are a field of the row as it is, each headed by the field's name. */
const fields = <Row>(...names: (keyof Row & string)[]): Column<Row>[] =>
  names.map((name) => col(name, (row) => row[name]));

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

interface SyncedFields extends ProvenanceFields {
  site_id: string;
  site_name: string | null;
}

/**
 * A list of one synced entity, a line per record: its site first, then `own` (a field's name for the field
 * as it is, or a column), its provenance last.
 */
const recordList = <R extends SyncedFields>(
  personal: boolean,
  ...own: ((keyof R & string) | Column<R>)[]
): ListColumns<R> => ({
  personal,
  rows: one,
  columns: [
    ...fields<R>("site_id", "site_name"),
    ...own.map((c) => (typeof c === "string" ? col<R>(c, (row) => row[c]) : c)),
    ...provenance<R>((r) => r),
  ],
});

const PAINTINGS = recordList<Painting>(
  false,
  "id",
  "name",
  "price",
  "category",
  "technique",
  "year",
  "quantity",
  "status",
  "display_order",
  "image",
  "image_url",
);

const USERS = recordList<User>(
  true,
  "id",
  "name",
  "email",
  "role",
  col("create_date", (u) => isoDate(u.create_date)),
);

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

const EXHIBITIONS = recordList<Exhibition>(
  false,
  "id",
  "title",
  "location",
  col("date", (e) => isoDate(e.date)),
  "start_time",
  "end_time",
  "description",
);

const CUSTOM_REQUESTS = recordList<CustomRequest>(
  true,
  "id",
  "client_name",
  "description",
  "status",
  col("created_at", (r) => isoDate(r.created_at)),
);

/** The records counts of a run, each the sum over its entities. */
const RUN_COUNTS = ["fetched", "valid", "flagged", "rejected", "written", "unchanged", "deleted"] as const;

const RUNS: ListColumns<Run> = {
  personal: false,
  rows: one,
  columns: [
    ...fields<Run>("run_id", "site_id", "trigger", "status", "started_at", "finished_at"),
    col("duration_ms", (r) =>
      r.finished_at ? Date.parse(r.finished_at) - Date.parse(r.started_at) : undefined,
    ),
    // `paintings:succeeded users:failed(template_timeout)`: each entity with its status and error code.
    col("entities", (r) =>
      Object.entries(r.entities)
        .map(([entity, res]) => `${entity}:${res?.status}${res?.error ? `(${res.error.code})` : ""}`)
        .join(" "),
    ),
    ...RUN_COUNTS.map((count) =>
      col<Run>(count, (r) => Object.values(r.entities).reduce((sum, e) => sum + (e?.[count] ?? 0), 0)),
    ),
  ],
};

/** Events of the activity feed, newest first; their sentences in both languages, as the UI shows them. */
const ACTIVITY: ListColumns<ActivityEvent> = {
  // Sentences and labels may name a customer or a user by e-mail (masked for a viewer, as in the feed).
  personal: true,
  rows: one,
  columns: [
    ...fields<ActivityEvent>("at", "site_id", "kind"),
    col("message_fr", (e) => e.message.fr),
    col("message_en", (e) => e.message.en),
    ...fields<ActivityEvent>("entity", "record_id", "record_label", "run_id"),
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
