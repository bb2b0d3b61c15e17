/** The scan's writes: BatchWriteItem requests of 25, a bounded number in flight while the next page is read. */
import type { Ctx } from "../context";
import { BATCH_WRITE_SIZE, type Item, putRequest, writeBatch } from "../store/db";

/**
 * Writes a scan's items in requests of 25 while the next page is fetched and validated. At most
 * `concurrency` requests are in flight and fewer than 25 items wait for the next page: what the writes hold
 * stays bounded (`concurrency` × 25 items) whatever the size of the entity or of a page.
 */
export class WriteQueue {
  #waiting: Item[] = [];
  readonly #inflight = new Set<Promise<void>>();
  #sent = 0;
  #failure: { error: unknown } | undefined;
  constructor(
    private readonly ctx: Ctx,
    private readonly concurrency: number,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError("WriteQueue: concurrency must be a positive integer");
  }

  /** Requests in flight now (at most `concurrency`). */
  get inFlight(): number {
    return this.#inflight.size;
  }

  /** Items accepted and not yet in a request (fewer than 25 between calls). */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Queues items; resolves once every full request of 25 they make is in flight. */
  async push(items: Item[]): Promise<void> {
    for (const item of items) this.#waiting.push(item);
    while (this.#waiting.length >= BATCH_WRITE_SIZE) await this.#send(BATCH_WRITE_SIZE);
    if (this.#failure) throw this.#failure.error;
  }

  /** After a failure: waits for every write still in flight, so none outlives this delivery. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#inflight);
  }

  /** Sends what waits, waits for every request, and returns how many were sent since the last drain. */
  async drain(): Promise<number> {
    while (this.#waiting.length > 0) await this.#send(BATCH_WRITE_SIZE);
    await this.settle();
    if (this.#failure) throw this.#failure.error;
    const sent = this.#sent;
    this.#sent = 0;
    return sent;
  }

  /** Starts one request of up to `size` waiting items, once a slot is free. A failure stops new requests. */
  async #send(size: number): Promise<void> {
    while (this.#inflight.size >= this.concurrency) await Promise.race(this.#inflight);
    if (this.#failure) throw this.#failure.error;
    const chunk = this.#waiting.splice(0, size);
    const request = writeBatch(this.ctx, chunk.map(putRequest)).then(
      (sent) => {
        this.#sent += sent;
      },
      // Noted here and thrown to the next caller: never an unhandled rejection, which would bring the
      // whole consumer process down.
      (error: unknown) => {
        this.#failure ??= { error };
      },
    );
    const tracked = request.finally(() => this.#inflight.delete(tracked));
    this.#inflight.add(tracked);
  }
}
