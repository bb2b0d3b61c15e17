import { z } from "zod";

/**
 * Fault injection. Faults are set per endpoint ("paintings", "stats", "images"...) or for "all" of them;
 * both apply to a request (endpoint first). Counted faults ("the next N requests") are consumed one per
 * request, in this order: hang → status → html → (API key check) → malformed. Everything is deterministic:
 * no fault depends on chance or the clock.
 */

export const FaultTarget = z.enum([
  "all",
  "paintings",
  "users",
  "orders",
  "exhibitions",
  "custom_requests",
  "stats",
  "settings",
  "images",
]);
export type FaultTarget = z.infer<typeof FaultTarget>;
export const FAULT_TARGETS: readonly FaultTarget[] = FaultTarget.options;

/** How an `invalid` rule breaks a field: removed, null, `""`, a non-numeric string, or any given value. */
export const InvalidKind = z.enum(["absent", "null", "empty", "nonNumeric", "value"]);
export type InvalidKind = z.infer<typeof InvalidKind>;

export const InvalidRule = z
  .object({
    /** Record ids the rule applies to. */
    ids: z.array(z.number().int()).min(1),
    /** A top-level field (`price`), or `items.<field>` for every line of an order (`items.price`). */
    field: z.string().min(1),
    kind: InvalidKind,
    /** The value served, for kind "value". */
    value: z.unknown().optional(),
  })
  .strict()
  .refine((r) => r.kind !== "value" || "value" in r, {
    message: 'kind "value" needs a value',
    path: ["value"],
  });
export type InvalidRule = z.infer<typeof InvalidRule>;

/** `insert`: a new record at the top before each page after the first (a row repeats across pages);
 * `remove`: the top record deleted before each page after the first (a row is skipped);
 * `ties`: rows with equal sort keys come in a different order on every request. */
export const UnstableOrderMode = z.enum(["insert", "remove", "ties"]);
export type UnstableOrderMode = z.infer<typeof UnstableOrderMode>;

/** A server that ignores `offset`: `alternate` serves the first and second pages by turns, forever;
 * `endless` serves the real pages, then pages of records with new ids forever. */
export const OffsetIgnoredMode = z.enum(["alternate", "endless"]);
export type OffsetIgnoredMode = z.infer<typeof OffsetIgnoredMode>;

const Count = z.number().int().min(0);

export const FaultSpec = z
  .object({
    /** Delay before every response (endpoint and "all" delays add up). */
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    /** The next N requests are accepted and never answered (until the sim closes). */
    hang: Count.optional(),
    /** Answer the next `times` requests (default 1) with this status: 429 or 5xx. */
    status: z
      .number()
      .int()
      .refine((s) => s === 429 || (s >= 500 && s <= 599), "status must be 429 or 5xx")
      .optional(),
    times: Count.optional(),
    /** `Retry-After` seconds sent with a 429 (default 1). */
    retryAfter: Count.optional(),
    /** The exception text of a 5xx body `{"error": "<text>"}` (default: a PostgreSQL connection error). */
    message: z.string().optional(),
    /** The next N responses are cut in the middle of their JSON body. */
    malformed: Count.optional(),
    /** The next N responses are a 200 HTML page instead of JSON. */
    html: Count.optional(),
    /** Every page request with `offset` ≥ this value fails with a 500 (a scan that fails half-way). */
    failAtOffset: Count.optional(),
    /** Serve at most this many records per page, whatever `limit` asks. */
    limitCap: z.number().int().min(1).optional(),
    /** Make offset paging unstable; `true` means "insert". */
    unstableOrder: z.union([z.boolean(), UnstableOrderMode]).optional(),
    /** Ignore `offset`, so that paging never ends (see OffsetIgnoredMode). */
    offsetIgnored: OffsetIgnoredMode.optional(),
    /** Serve some records with broken fields (the data itself is untouched). */
    invalid: z.array(InvalidRule).optional(),
    /** The site's API key is accepted for N more requests, then revoked (rotated): 401 from then on. */
    revokeKeyAfter: Count.optional(),
  })
  .strict()
  .refine((f) => f.times === undefined || f.status !== undefined, {
    message: "times needs a status",
    path: ["times"],
  })
  .refine((f) => f.retryAfter === undefined || f.status === 429, {
    message: "retryAfter only goes with status 429",
    path: ["retryAfter"],
  });
/** What a caller may pass (`unstableOrder: true` allowed). */
export type FaultSpecInput = z.input<typeof FaultSpec>;
/** A fault as stored: counters show what is left. */
export type FaultSpec = z.infer<typeof FaultSpec>;

export const DEFAULT_ERROR_TEXT =
  "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request.\n";

export interface StatusFault {
  status: number;
  retryAfter: number;
  message: string;
}

export interface FaultSnapshot {
  faults: Partial<Record<FaultTarget, FaultSpec>>;
  /** True once `revokeKeyAfter` has fired (until `reset()`). */
  keyRevoked: boolean;
}

export interface FaultHooks {
  /** The site's key stops being accepted (the sim rotates `export_api_key`). */
  revokeKey(): void;
  /** `reset()`: the original key works again. */
  restoreKey(): void;
}

function normalize(spec: FaultSpec): FaultSpec {
  const out: FaultSpec = { ...spec };
  if (out.status !== undefined && out.times === undefined) out.times = 1;
  if (out.unstableOrder === true) out.unstableOrder = "insert";
  if (out.unstableOrder === false) delete out.unstableOrder;
  if (out.invalid) out.invalid = out.invalid.map((r) => ({ ...r, ids: [...r.ids] }));
  for (const key of Object.keys(out) as (keyof FaultSpec)[]) if (out[key] === undefined) delete out[key];
  return out;
}

const copy = (spec: FaultSpec): FaultSpec => normalize(spec);

export class FaultControl {
  private readonly specs = new Map<FaultTarget, FaultSpec>();
  private revoked = false;

  constructor(private readonly hooks: FaultHooks) {}

  /** Replaces the faults of `target`. Throws a ZodError on an invalid spec. */
  set(target: FaultTarget, spec: FaultSpecInput): FaultSpec {
    FaultTarget.parse(target);
    const parsed = normalize(FaultSpec.parse(spec));
    this.specs.set(target, parsed);
    this.afterChange(target);
    return copy(parsed);
  }

  /** Merges into the faults of `target` (given fields replace existing ones). */
  update(target: FaultTarget, spec: FaultSpecInput): FaultSpec {
    FaultTarget.parse(target);
    const merged = normalize(FaultSpec.parse({ ...(this.specs.get(target) ?? {}), ...spec }));
    this.specs.set(target, merged);
    this.afterChange(target);
    return copy(merged);
  }

  get(target: FaultTarget): FaultSpec | undefined {
    const spec = this.specs.get(target);
    return spec ? copy(spec) : undefined;
  }

  clear(target: FaultTarget): void {
    this.specs.delete(target);
  }

  /** Clears every fault and un-revokes the API key. */
  reset(): void {
    this.specs.clear();
    if (this.revoked) {
      this.revoked = false;
      this.hooks.restoreKey();
    }
  }

  get keyRevoked(): boolean {
    return this.revoked;
  }

  snapshot(): FaultSnapshot {
    const faults: Partial<Record<FaultTarget, FaultSpec>> = {};
    for (const [target, spec] of this.specs) faults[target] = copy(spec);
    return { faults, keyRevoked: this.revoked };
  }

  // -------------------------------------------------------------------------------------------------------
  // Used by the server, per request.

  private applicable(target: FaultTarget): FaultSpec[] {
    const out: FaultSpec[] = [];
    const own = this.specs.get(target);
    if (own) out.push(own);
    const all = target === "all" ? undefined : this.specs.get("all");
    if (all) out.push(all);
    return out;
  }

  /** Forgets specs whose counted faults are all used up. */
  private prune(): void {
    for (const [target, spec] of this.specs) if (Object.keys(spec).length === 0) this.specs.delete(target);
  }

  private afterChange(target: FaultTarget): void {
    const spec = this.specs.get(target);
    if (spec?.revokeKeyAfter === 0) {
      delete spec.revokeKeyAfter;
      this.revoke();
    }
    this.prune();
  }

  private revoke(): void {
    if (this.revoked) return;
    this.revoked = true;
    this.hooks.revokeKey();
  }

  latencyMs(target: FaultTarget): number {
    return this.applicable(target).reduce((sum, s) => sum + (s.latencyMs ?? 0), 0);
  }

  /** Consumes one "next N requests" fault of this kind, if any is left. */
  take(target: FaultTarget, kind: "hang" | "malformed" | "html"): boolean {
    for (const spec of this.applicable(target)) {
      const left = spec[kind];
      if (left !== undefined && left > 0) {
        if (left === 1) {
          delete spec[kind];
          this.prune();
        } else {
          spec[kind] = left - 1;
        }
        return true;
      }
    }
    return false;
  }

  takeStatus(target: FaultTarget): StatusFault | undefined {
    for (const spec of this.applicable(target)) {
      if (spec.status === undefined || !spec.times) continue;
      const fault: StatusFault = {
        status: spec.status,
        retryAfter: spec.retryAfter ?? 1,
        message: spec.message ?? (spec.status === 429 ? "Too Many Requests" : DEFAULT_ERROR_TEXT),
      };
      spec.times -= 1;
      if (spec.times === 0) {
        delete spec.status;
        delete spec.times;
        delete spec.retryAfter;
        delete spec.message;
        this.prune();
      }
      return fault;
    }
    return undefined;
  }

  failAtOffset(target: FaultTarget): number | undefined {
    const values = this.applicable(target)
      .map((s) => s.failAtOffset)
      .filter((v): v is number => v !== undefined);
    return values.length > 0 ? Math.min(...values) : undefined;
  }

  limitCap(target: FaultTarget): number | undefined {
    const values = this.applicable(target)
      .map((s) => s.limitCap)
      .filter((v): v is number => v !== undefined);
    return values.length > 0 ? Math.min(...values) : undefined;
  }

  unstableOrder(target: FaultTarget): UnstableOrderMode | undefined {
    for (const spec of this.applicable(target)) {
      const mode = spec.unstableOrder;
      if (typeof mode === "string") return mode;
    }
    return undefined;
  }

  offsetIgnored(target: FaultTarget): OffsetIgnoredMode | undefined {
    return this.applicable(target).find((s) => s.offsetIgnored !== undefined)?.offsetIgnored;
  }

  invalidRules(target: FaultTarget): InvalidRule[] {
    return this.applicable(target).flatMap((s) => s.invalid ?? []);
  }

  /** Called after a request was let in with the site's key: counts down `revokeKeyAfter`. */
  keyAccepted(target: FaultTarget): void {
    for (const spec of this.applicable(target)) {
      const left = spec.revokeKeyAfter;
      if (left === undefined) continue;
      if (left <= 1) {
        delete spec.revokeKeyAfter;
        this.prune();
        this.revoke();
      } else {
        spec.revokeKeyAfter = left - 1;
      }
    }
  }
}
