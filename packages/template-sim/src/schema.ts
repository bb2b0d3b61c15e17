import { z } from "zod";

/**
 * The records exactly as the Template's export API serves them (TEMPLATE-API.md), as zod schemas: the one
 * source of the simulator's types. They are strict on purpose: the simulator must never serve a field the
 * real Template does not, so tests validate every served page against them.
 */

const Id = z.number().int();

export const Painting = z
  .object({
    id: Id,
    name: z.string(),
    /** REAL column: a float on the wire (`450.0`). */
    price: z.number(),
    category: z.string().nullable(),
    technique: z.string().nullable(),
    /** TEXT column: `"1998"`, `""` or null. */
    year: z.string().nullable(),
    quantity: z.number().int(),
    /**
     * Free French text in any case: `disponible` (column default), `Disponible`, `Vendu`, `Réservé`,
     * `Exposition`; `""` and null on real catalogues.
     */
    status: z.string().nullable(),
    /** Relative to the Template's `static/` folder, e.g. `Images/painting_12.jpg`. */
    image: z.string(),
    /** The artist's ordering; null on real catalogues (PostgreSQL sorts it first, DESC). */
    display_order: z.number().int().nullable(),
    site_name: z.string(),
  })
  .strict();
export type Painting = z.infer<typeof Painting>;

export const User = z
  .object({
    id: Id,
    name: z.string(),
    email: z.string(),
    /** TEXT, e.g. `2025-03-01 10:11:12.123456+00`. */
    create_date: z.string(),
    /** `admin` for a few, `user` (column default) or null otherwise. */
    role: z.string().nullable(),
    site_name: z.string(),
  })
  .strict();
export type User = z.infer<typeof User>;

/** One line of an order, joined with `paintings` by a LEFT JOIN: `name`/`image` are null once the painting is gone. */
export const OrderItem = z
  .object({
    painting_id: Id,
    name: z.string().nullable(),
    image: z.string().nullable(),
    price: z.number(),
    quantity: z.number().int(),
  })
  .strict();
export type OrderItem = z.infer<typeof OrderItem>;

export const Order = z
  .object({
    id: Id,
    customer_name: z.string(),
    email: z.string(),
    total_price: z.number(),
    /** TEXT; deliberately not unique across orders. */
    order_date: z.string(),
    /** `En cours`, `Confirmée`, `Expédiée`, `Livrée`, `Annulée`. */
    status: z.string(),
    items: z.array(OrderItem),
    site_name: z.string(),
  })
  .strict();
export type Order = z.infer<typeof Order>;

export const Exhibition = z
  .object({
    id: Id,
    title: z.string(),
    location: z.string(),
    /** TEXT, as typed in a date input: `2025-06-14`. */
    date: z.string(),
    start_time: z.string().nullable(),
    end_time: z.string().nullable(),
    description: z.string().nullable(),
    site_name: z.string(),
  })
  .strict();
export type Exhibition = z.infer<typeof Exhibition>;

export const CustomRequest = z
  .object({
    id: Id,
    client_name: z.string(),
    description: z.string(),
    status: z.string(),
    created_at: z.string(),
    site_name: z.string(),
  })
  .strict();
export type CustomRequest = z.infer<typeof CustomRequest>;

/** The record-bearing endpoints the simulator serves and can mutate. */
export const SimEntity = z.enum(["paintings", "users", "orders", "exhibitions", "custom_requests"]);
export type SimEntity = z.infer<typeof SimEntity>;
export const SIM_ENTITIES: readonly SimEntity[] = SimEntity.options;

/** Users are ordered by `id DESC`, which no mutation can change; every other entity can be reordered. */
export const ReorderableEntity = SimEntity.exclude(["users"]);
export type ReorderableEntity = z.infer<typeof ReorderableEntity>;

export interface SimRecordMap {
  paintings: Painting;
  users: User;
  orders: Order;
  exhibitions: Exhibition;
  custom_requests: CustomRequest;
}
export type SimRecord = SimRecordMap[SimEntity];

export const RECORD_SCHEMAS = {
  paintings: Painting,
  users: User,
  orders: Order,
  exhibitions: Exhibition,
  custom_requests: CustomRequest,
} as const satisfies { [E in SimEntity]: z.ZodType<SimRecordMap[E]> };

export const Sizes = z
  .object({
    paintings: z.number().int().min(0),
    users: z.number().int().min(0),
    orders: z.number().int().min(0),
    exhibitions: z.number().int().min(0),
    custom_requests: z.number().int().min(0),
  })
  .strict();
export type Sizes = z.infer<typeof Sizes>;

export const DEFAULT_SIZES: Sizes = {
  paintings: 24,
  users: 40,
  orders: 30,
  exhibitions: 4,
  custom_requests: 3,
};

/** Tables the Template counts in `/api/export/stats` that the simulator does not serve as records. */
export const OtherTables = z
  .object({
    cart_items: z.number().int().min(0),
    carts: z.number().int().min(0),
    notifications: z.number().int().min(0),
    stripe_events: z.number().int().min(0),
    saas_sites: z.number().int().min(0),
  })
  .strict();
export type OtherTables = z.infer<typeof OtherTables>;

/** The live data set of one simulated site: what its database holds. */
export interface SimData {
  paintings: Painting[];
  users: User[];
  orders: Order[];
  exhibitions: Exhibition[];
  custom_requests: CustomRequest[];
  /** The `settings` table, key → value (TEXT), in insertion (= `id`) order. */
  settings: Record<string, string>;
  otherTables: OtherTables;
}

// ---------------------------------------------------------------------------------------------------------
// Envelopes, as served.

export const PaintingsPage = z.object({ paintings: z.array(Painting), count: z.number().int() }).strict();
export const UsersPage = z.object({ users: z.array(User), count: z.number().int() }).strict();
export const OrdersPage = z.object({ orders: z.array(Order), count: z.number().int() }).strict();
export const ExhibitionsList = z.object({ exhibitions: z.array(Exhibition) }).strict();
export const CustomRequestsList = z.object({ custom_requests: z.array(CustomRequest) }).strict();

export const StatsBody = z
  .object({
    success: z.literal(true),
    /** Python's `datetime.now().isoformat()`: no zone, microseconds. */
    timestamp: z.string(),
    stats: z
      .object({
        paintings_count: z.number().int(),
        users_count: z.number().int(),
        orders_count: z.number().int(),
        order_items_count: z.number().int(),
        exhibitions_count: z.number().int(),
        settings_count: z.number().int(),
        custom_requests_count: z.number().int(),
        cart_items_count: z.number().int(),
        carts_count: z.number().int(),
        notifications_count: z.number().int(),
        stripe_events_count: z.number().int(),
        saas_sites_count: z.number().int(),
        total_revenue: z.number(),
        delivered_orders: z.number().int(),
      })
      .strict(),
  })
  .strict();
export type StatsBody = z.infer<typeof StatsBody>;

/** First `GET /api/export/settings` handler (the one Flask serves): flat, no API key, secrets in clear. */
export const SettingsFlat = z.record(z.string(), z.string());
/** Second, documented handler: API key required, three keys masked. */
export const SettingsDocumented = z
  .object({
    success: z.literal(true),
    count: z.number().int(),
    data: z.array(z.object({ id: Id, key: z.string(), value: z.string() }).strict()),
  })
  .strict();

/** Bodies of the Template's errors. */
export const InvalidApiKeyBody = z
  .object({ error: z.literal("invalid_api_key"), success: z.literal(false) })
  .strict();
export const ServerErrorBody = z.object({ error: z.string() }).strict();

export const MASKED = "***MASKED***";
/** Keys the documented settings handler masks. */
export const DOCUMENTED_MASKED_KEYS: readonly string[] = [
  "stripe_secret_key",
  "smtp_password",
  "export_api_key",
];
