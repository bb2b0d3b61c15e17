/**
 * CSV exports (issue 14 part 5): `GET /api/export/{list}.csv` for every list, with the query filters of
 * the list's own route (its zod schema, without paging) and `separator` (`,` or `;`). The file is streamed
 * as it is read (core export.ts: one page at a time, constant memory), as an attachment named
 * `<list>-<date>.csv`. A viewer's export has e-mail addresses masked as the list routes mask them; every
 * export is recorded in the audit log (`data.exported`, the list and the names of its filters).
 *
 * A filter core refuses is a 400 before any byte is sent (core reads the first page first). A failure past
 * that point cannot change the status any more: it is logged and the download is cut short, which the
 * browser shows as a failed download rather than a silently short file.
 *
 * In AWS these paths are served by a streaming Lambda of their own (functions/src/export.ts, routed by the
 * Router under `/api/export`); API Gateway would buffer the answer, and refuse one over its size limit.
 */
import type { Ctx } from "@dashboard/core/context";
import type { RecordEntity } from "@dashboard/core/entity";
import { VisibleError } from "@dashboard/core/error";
import * as Export from "@dashboard/core/export";
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type HttpLogger, requestIdOf } from "../logging";
import { type ApiApp, type ApiEnv, errors, routesOf } from "../openapi";
import {
  CustomRequestsQuery,
  ExhibitionsQuery,
  OrdersQuery,
  PaintingsQuery,
  RunsQuery,
  UsersQuery,
} from "../schemas";
import { ActivityQuery } from "./activity";

const route = routesOf("Exports");

/** Where every export is served; the Router sends this prefix to the streaming function. */
export const EXPORT_PREFIX = "/api/export";

const SeparatorQuery = Export.Separator.default(",").openapi({
  description: "`,` (default) or `;` (what a French Excel expects)",
});

/** Each list route's own query, without its paging, and the separator. */
const NO_PAGING = { limit: true, cursor: true } as const;
const WITH_SEPARATOR = { separator: SeparatorQuery };
const PaintingsExport = PaintingsQuery.omit(NO_PAGING).extend(WITH_SEPARATOR);
const UsersExport = UsersQuery.omit(NO_PAGING).extend(WITH_SEPARATOR);
const OrdersExport = OrdersQuery.omit(NO_PAGING).extend(WITH_SEPARATOR);
const ExhibitionsExport = ExhibitionsQuery.omit(NO_PAGING).extend(WITH_SEPARATOR);
const CustomRequestsExport = CustomRequestsQuery.omit(NO_PAGING).extend(WITH_SEPARATOR);
const RunsExport = RunsQuery.omit(NO_PAGING).extend(WITH_SEPARATOR);
const ActivityExport = ActivityQuery.omit(NO_PAGING).extend(WITH_SEPARATOR);

const DESCRIPTION =
  "UTF-8 with a byte-order mark, RFC 4180 quoting, CRLF line ends, ISO 8601 dates; text a spreadsheet would read as a formula starts with `'`; empty cells for values not set. Streamed: the answer starts at once, whatever the size. Recorded in the audit log (`data.exported`).";
const PERSONAL_NOTE = "E-mail addresses come masked (`j***@g***.com`) to a viewer, as in the list.";

const csvRoute = <Q extends z.ZodObject>(
  list: Export.ExportList,
  query: Q,
  text: string,
  personal: boolean,
) =>
  route({ role: "viewer", audit: "data.exported" }, `GET ${EXPORT_PREFIX}/${list}.csv`, {
    summary: `${text} as CSV, with the list's filters`,
    description: [DESCRIPTION, personal ? PERSONAL_NOTE : undefined].filter(Boolean).join(" "),
    request: { query },
    responses: {
      200: {
        description: `The CSV file (\`Content-Disposition: attachment; filename="${list}-<date>.csv"\`)`,
        content: { "text/csv": { schema: z.string() } },
      },
      ...errors(400),
    },
  });

export const exportPaintingsRoute = csvRoute("paintings", PaintingsExport, "Paintings", false);
export const exportUsersRoute = csvRoute("users", UsersExport, "Users", true);
export const exportOrdersRoute = csvRoute("orders", OrdersExport, "Orders, one line per order item", true);
export const exportExhibitionsRoute = csvRoute("exhibitions", ExhibitionsExport, "Exhibitions", false);
export const exportCustomRequestsRoute = csvRoute(
  "custom_requests",
  CustomRequestsExport,
  "Custom requests",
  true,
);
export const exportRunsRoute = csvRoute("runs", RunsExport, "Sync runs", false);
export const exportActivityRoute = csvRoute("activity", ActivityExport, "Activity events", true);

/**
 * Any other `/api/export/...`: a 400 that names the lists there are (`unknown_export_list`), rather than a
 * 404 that would read as "this server has no exports".
 */
export const unknownExportRoute = route({ role: "viewer" }, `GET ${EXPORT_PREFIX}/{list}`, {
  summary: "Not a list that exports: 400 `unknown_export_list`",
  request: { params: z.object({ list: z.string().openapi({ param: { name: "list", in: "path" } }) }) },
  responses: errors(400),
});

const encoder = new TextEncoder();

/** The export as a streamed attachment: each chunk is read when the client is ready for it. */
function attachment(c: Context<ApiEnv>, logger: HttpLogger, out: Export.CsvExport): Response {
  const { chunks } = out;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        logger.error("export failed while streaming", {
          request_id: requestIdOf(c),
          route: c.req.path,
          error: { name: (error as Error).name, message: (error as Error).message.slice(0, 500) },
        });
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return c.body(body, 200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${out.filename}"`,
  });
}

export function registerExportRoutes(app: ApiApp, ctx: Ctx, logger: HttpLogger): void {
  const records = (
    c: Context<ApiEnv>,
    entity: RecordEntity,
    query: Export.RecordFilter & { separator: Export.Separator },
  ) => {
    const { separator, ...filter } = query;
    c.set("auditTarget", { type: "records", id: entity });
    return Export.records(ctx, entity, filter, { separator, role: c.get("actor").role });
  };

  app.openapi(exportPaintingsRoute, async (c) =>
    attachment(c, logger, await records(c, "paintings", c.req.valid("query"))),
  );
  app.openapi(exportUsersRoute, async (c) =>
    attachment(c, logger, await records(c, "users", c.req.valid("query"))),
  );
  app.openapi(exportOrdersRoute, async (c) =>
    attachment(c, logger, await records(c, "orders", c.req.valid("query"))),
  );
  app.openapi(exportExhibitionsRoute, async (c) =>
    attachment(c, logger, await records(c, "exhibitions", c.req.valid("query"))),
  );
  app.openapi(exportCustomRequestsRoute, async (c) =>
    attachment(c, logger, await records(c, "custom_requests", c.req.valid("query"))),
  );
  app.openapi(exportRunsRoute, async (c) => {
    const { separator, site_id } = c.req.valid("query");
    c.set("auditTarget", { type: "records", id: "runs" });
    const out = await Export.runs(ctx, { site_id }, { separator, role: c.get("actor").role });
    return attachment(c, logger, out);
  });
  app.openapi(exportActivityRoute, async (c) => {
    const { separator, site_id, kind, from, to } = c.req.valid("query");
    c.set("auditTarget", { type: "records", id: "activity" });
    const out = await Export.activity(
      ctx,
      { site_id, kinds: kind, from, to },
      { separator, role: c.get("actor").role },
    );
    return attachment(c, logger, out);
  });
  // Last: the lists above are matched first.
  app.openapi(unknownExportRoute, (c) => {
    throw new VisibleError(
      "invalid_request",
      "unknown_export_list",
      `No list exports as "${c.req.valid("param").list}": ${Export.ExportList.options.map((l) => `${l}.csv`).join(", ")}`,
    );
  });
}
