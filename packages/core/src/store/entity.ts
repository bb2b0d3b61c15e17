/**
 * `defineEntity`: one item type of the single table, defined once (docs/data-model.md, "Choosing the entity
 * layer"): its `type`, its key (built in keys.ts), the zod schema its reads are parsed with, and its named
 * conditional writes. `TableName` and the catch of `ConditionalCheckFailedException` live here alone: a
 * write whose condition does not hold answers `false` (or `{ applied: false }`), anything else is thrown.
 */

import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type * as z from "zod";
import type { Ctx } from "../context";

export type Key = { pk: string; sk: string };
type Values = Record<string, unknown>;

/** A conditional UpdateItem, without its table and key. */
export interface UpdateSpec {
  update: string;
  condition?: string;
  names?: Record<string, string>;
  values?: Values;
  returnValues?: "ALL_OLD" | "ALL_NEW";
  /** When the condition fails, answer the item as the condition saw it (no second read). */
  returnOnFailure?: boolean;
}

/** A conditional DeleteItem (or the condition of a PutItem), without its table and key. */
export interface ConditionSpec {
  condition: string;
  names?: Record<string, string>;
  values?: Values;
}

/** The one test of a failed condition (the SDK's error class differs between clients and bundles). */
export const isConditionFailure = (e: unknown): boolean =>
  (e as Error | undefined)?.name === "ConditionalCheckFailedException";

/**
 * Runs a conditional write: applied, or not when its condition did not hold (with the item as the
 * condition saw it, when the write asked for it and the store returned it).
 */
async function conditional<T>(
  send: () => Promise<T>,
): Promise<{ applied: true; out: T } | { applied: false; seen?: Values }> {
  try {
    return { applied: true, out: await send() };
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
    const item = (e as { Item?: Record<string, AttributeValue> }).Item;
    return item ? { applied: false, seen: unmarshall(item) } : { applied: false };
  }
}

export function defineEntity<
  S extends z.ZodType,
  A extends unknown[],
  U extends Record<string, (params: never) => UpdateSpec> = Record<never, never>,
  D extends Record<string, (params: never) => ConditionSpec> = Record<never, never>,
>(def: {
  type: string;
  schema: S;
  key: (...args: A) => Key;
  updates?: U;
  deletes?: D;
  /** The condition of `create` (a put that must not overwrite), default `attribute_not_exists(pk)`. */
  createCondition?: string;
}) {
  const updates = (def.updates ?? {}) as U;
  const deletes = (def.deletes ?? {}) as D;
  return {
    type: def.type,
    schema: def.schema,
    key: def.key,

    /** The whole item to store (its attributes, key and `type`), for a batch write (`store/db.ts`). */
    item: (key: A, attributes: Values): Values => ({ ...attributes, ...def.key(...key), type: def.type }),

    /** The item parsed by the schema, or undefined. `projection`: the raw attributes asked for, unparsed. */
    async get(ctx: Ctx, key: A, opts: { consistent?: boolean } = {}): Promise<z.output<S> | undefined> {
      const out = await ctx.db.send(
        new GetCommand({
          TableName: ctx.table,
          Key: def.key(...key),
          ConsistentRead: opts.consistent ?? true,
        }),
      );
      return out.Item ? (def.schema.parse(out.Item) as z.output<S>) : undefined;
    },

    /** Some attributes of the item, unparsed (a cheap existence or state check); undefined when absent. */
    async peek(
      ctx: Ctx,
      key: A,
      attributes: readonly string[],
    ): Promise<Record<string, unknown> | undefined> {
      const names = Object.fromEntries(attributes.map((a, i) => [`#p${i}`, a]));
      const out = await ctx.db.send(
        new GetCommand({
          TableName: ctx.table,
          Key: def.key(...key),
          ConsistentRead: true,
          ProjectionExpression: Object.keys(names).join(", "),
          ExpressionAttributeNames: names,
        }),
      );
      return out.Item;
    },

    /** Puts a new item (keys and `type` added); false when one with its key exists already. */
    async create(ctx: Ctx, key: A, item: Values): Promise<boolean> {
      const done = await conditional(() =>
        ctx.db.send(
          new PutCommand({
            TableName: ctx.table,
            Item: { ...item, ...def.key(...key), type: def.type },
            ConditionExpression: def.createCondition ?? "attribute_not_exists(pk)",
          }),
        ),
      );
      return done.applied;
    },

    /**
     * A named conditional update; `attributes`: what `returnValues` asked for, or, when the condition
     * failed, the item as it saw it (`returnOnFailure`; an emulator may not return it).
     */
    async update<N extends keyof U & string>(
      ctx: Ctx,
      name: N,
      key: A,
      params: Parameters<U[N]>[0],
    ): Promise<{ applied: boolean; attributes?: Record<string, unknown> }> {
      const spec = (updates[name] as (p: Parameters<U[N]>[0]) => UpdateSpec)(params);
      const done = await conditional(() =>
        ctx.db.send(
          new UpdateCommand({
            TableName: ctx.table,
            Key: def.key(...key),
            UpdateExpression: spec.update,
            ...(spec.condition ? { ConditionExpression: spec.condition } : {}),
            ...(spec.names ? { ExpressionAttributeNames: spec.names } : {}),
            ...(spec.values ? { ExpressionAttributeValues: spec.values } : {}),
            ...(spec.returnValues ? { ReturnValues: spec.returnValues } : {}),
            ...(spec.returnOnFailure ? { ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const } : {}),
          }),
        ),
      );
      if (!done.applied) return done.seen ? { applied: false, attributes: done.seen } : { applied: false };
      return done.out.Attributes ? { applied: true, attributes: done.out.Attributes } : { applied: true };
    },

    /** A named conditional delete; false when its condition did not hold. */
    async remove<N extends keyof D & string>(
      ctx: Ctx,
      name: N,
      key: A,
      params: Parameters<D[N]>[0],
    ): Promise<boolean> {
      const spec = (deletes[name] as (p: Parameters<D[N]>[0]) => ConditionSpec)(params);
      const done = await conditional(() =>
        ctx.db.send(
          new DeleteCommand({
            TableName: ctx.table,
            Key: def.key(...key),
            ConditionExpression: spec.condition,
            ...(spec.names ? { ExpressionAttributeNames: spec.names } : {}),
            ...(spec.values ? { ExpressionAttributeValues: spec.values } : {}),
          }),
        ),
      );
      return done.applied;
    },
  };
}
