/**
 * The values a list can be filtered on, as they are present in the stored records: painting and order
 * statuses, painting categories, user roles. The UI offers them as choices instead of free text. Each value is
 * the folded facet the filter compares (`livree`) with the text to show (`Livrée`, its most frequent spelling)
 * and how many live records have it.
 *
 * One Query of the entity's partition (one site) or index (every site), projecting only the facet attributes;
 * it reads at most `FACET_SCAN_LIMIT` records and says whether it saw them all (`complete`).
 */
import * as z from "zod";
import type { Ctx } from "./context";
import type { RecordEntity } from "./entity";
import { queryAll, rangeQuery } from "./store/db";
import { notDeleted } from "./store/expression";
import { Keys } from "./store/keys";

export const FACET_SCAN_LIMIT = 20_000;

export const FACET_FIELDS = {
  paintings: ["status", "category"],
  users: ["role"],
  orders: ["status"],
} as const satisfies Partial<Record<RecordEntity, readonly string[]>>;
export type FacetEntity = keyof typeof FACET_FIELDS;

export const FacetValue = z.object({
  /** What the filter takes (folded: lower case, no accents). */
  value: z.string(),
  /** The spelling most records use. */
  label: z.string(),
  count: z.number().int().nonnegative(),
});
export type FacetValue = z.infer<typeof FacetValue>;

export const Facets = z.object({
  facets: z.record(z.string(), z.array(FacetValue)),
  /** False when the records were more than `FACET_SCAN_LIMIT`: the values are those of the first ones. */
  complete: z.boolean(),
});
export type Facets = z.infer<typeof Facets>;

export async function list(ctx: Ctx, entity: FacetEntity, siteId?: string): Promise<Facets> {
  const fields = FACET_FIELDS[entity];
  const range = siteId ? { pk: Keys.recordPartition(siteId, entity) } : Keys.entityIndex(entity);
  const counts = fields.map(() => new Map<string, Map<string, number>>());
  let read = 0;
  let complete = true;
  for await (const items of queryAll(
    ctx,
    rangeQuery(range, {
      where: [notDeleted],
      // The folded facet (what the filter compares) and the record's own spelling of it.
      project: fields.flatMap((field) => [`f_${field}`, `data.${field}`]),
    }),
  )) {
    for (const item of items) {
      fields.forEach((field, i) => {
        const folded = item[`f_${field}`];
        if (typeof folded !== "string" || folded === "") return;
        const label = String((item.data as Record<string, unknown> | undefined)?.[field] ?? folded).trim();
        const spellings = counts[i] as Map<string, Map<string, number>>;
        const byLabel = spellings.get(folded) ?? new Map<string, number>();
        byLabel.set(label, (byLabel.get(label) ?? 0) + 1);
        spellings.set(folded, byLabel);
      });
    }
    read += items.length;
    if (read >= FACET_SCAN_LIMIT) {
      complete = false;
      break;
    }
  }
  const facets: Record<string, FacetValue[]> = {};
  fields.forEach((field, i) => {
    facets[field] = [...(counts[i] as Map<string, Map<string, number>>)]
      .map(([value, byLabel]) => {
        const [label] = [...byLabel].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0] ?? [value];
        const count = [...byLabel.values()].reduce((sum, n) => sum + n, 0);
        return { value, label, count };
      })
      .sort((a, b) => a.label.localeCompare(b.label, "fr"));
  });
  return { facets, complete };
}
