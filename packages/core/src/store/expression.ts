/**
 * The one writer of filter and projection expressions, as `keyRange` (db.ts) is the one writer of key
 * conditions: callers say which items a query keeps (`absent("deleted_at")`, `equals("f_status", value)`) and
 * which attributes it reads; `expressionOf` writes DynamoDB's text, every attribute behind a `#x<n>` name and
 * every value behind a `:x<n>` placeholder (none of them can clash with a reserved word or the key range's).
 */

/** Gives a path's name placeholders and a value's placeholder, numbered per expression. */
interface Placeholders {
  /** `actor.token_id` → `#x0.#x1`. */
  path(path: string): string;
  value(value: unknown): string;
}

/** One condition on the items a query reads. */
export type Condition = (p: Placeholders) => string;

/** The attribute is not set. */
export const absent =
  (path: string): Condition =>
  (p) =>
    `attribute_not_exists(${p.path(path)})`;

export const equals =
  (path: string, value: unknown): Condition =>
  (p) =>
    `${p.path(path)} = ${p.value(value)}`;

/** The string attribute holds `value`. */
export const contains =
  (path: string, value: string): Condition =>
  (p) =>
    `contains(${p.path(path)}, ${p.value(value)})`;

/** The attribute is one of `values` (give at least one). */
export const oneOf =
  (path: string, values: readonly unknown[]): Condition =>
  (p) =>
    `${p.path(path)} IN (${values.map((v) => p.value(v)).join(", ")})`;

/** Any of the conditions holds. */
export const either =
  (...conditions: Condition[]): Condition =>
  (p) =>
    `(${conditions.map((c) => c(p)).join(" OR ")})`;

/** A synced record or setting still present at its source (a removed one keeps its `deleted_at`). */
export const notDeleted = absent("deleted_at");

/** Conditions that must all hold; a falsy entry (a filter not given) is skipped. */
export type Where = ReadonlyArray<Condition | false | "" | undefined>;

/** What a query keeps and reads. */
export interface Expression {
  where?: Where;
  /** The attributes read (paths such as `data.status`); every attribute when absent. */
  project?: readonly string[];
}

/** The part of a Query's input that `Expression` stands for. */
interface ExpressionInput {
  FilterExpression?: string;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/** `Expression` as Query input; an empty object when it keeps and reads everything. */
export function expressionOf(expression: Expression): ExpressionInput {
  const names: Record<string, string> = {};
  const placeholderOf = new Map<string, string>();
  const values: Record<string, unknown> = {};
  const p: Placeholders = {
    path: (path) =>
      path
        .split(".")
        .map((part) => {
          let placeholder = placeholderOf.get(part);
          if (!placeholder) {
            placeholder = `#x${placeholderOf.size}`;
            placeholderOf.set(part, placeholder);
            names[placeholder] = part;
          }
          return placeholder;
        })
        .join("."),
    value: (value) => {
      const placeholder = `:x${Object.keys(values).length}`;
      values[placeholder] = value;
      return placeholder;
    },
  };
  const conditions = (expression.where ?? []).filter((c): c is Condition => Boolean(c));
  const filter = conditions.map((c) => c(p)).join(" AND ");
  const projection = expression.project?.map((path) => p.path(path)).join(", ");
  return {
    ...(filter ? { FilterExpression: filter } : {}),
    ...(projection ? { ProjectionExpression: projection } : {}),
    ...(placeholderOf.size ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  };
}
