/**
 * An entity's live state in its run, for the UI: its result item is first written one second into its sync
 * (an entity that ends sooner writes only its final result), then at most once a second with the scan's
 * counters. Writes go in order, in the background; `settle` waits for them before the entity's next state
 * is written, and throws what failed.
 */
import type { Ctx } from "../context";
import type { EntityResult } from "../run";
import * as RunStore from "../run";
import { emptyResult } from "../run";
import type { SyncMessage } from "./message";

/** An entity shows `running` (its item written) once its sync has lasted this long; then at most this often. */
export const LIVE_INTERVAL_MS = 1_000;

export class LiveResult {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #last = Date.now();
  #latest: EntityResult | undefined;
  #writes: Promise<void> = Promise.resolve();
  #failure: unknown;
  #stopped = false;

  constructor(
    private readonly ctx: Ctx,
    private readonly msg: SyncMessage,
    private readonly intervalMs = LIVE_INTERVAL_MS,
  ) {
    this.#timer = setTimeout(() => this.#write(), intervalMs);
    this.#timer.unref?.();
  }

  /** The scan's counters after a page: written when the last write is a second old. */
  update(result: EntityResult): void {
    this.#latest = result;
    if (Date.now() - this.#last >= this.intervalMs) this.#write();
  }

  #write(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#last = Date.now();
    const result = this.#latest ?? emptyResult("running");
    this.#writes = this.#writes
      .then(async () => {
        await RunStore.progress(this.ctx, this.msg.run_id, this.msg.entity, result);
      })
      .catch((e: unknown) => {
        this.#failure ??= e;
      });
  }

  /** No more live writes; waits for those in flight (the entity's next state comes after them). */
  async settle(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#writes;
    if (this.#failure !== undefined) throw this.#failure;
  }
}
