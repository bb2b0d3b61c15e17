/** A run's log lines for one entity: collected while it syncs, written together. */
import type { Ctx } from "../context";
import type { LogEntry, LogLevel, LogParams } from "../run";
import * as RunStore from "../run";
import { isoNow } from "../util/time";
import type { HandleOptions } from "./job";
import type { SyncMessage } from "./message";

/** Collects a run's log lines for one entity and writes them together. */
export class RunLog {
  #entries: LogEntry[] = [];
  constructor(
    private readonly ctx: Ctx,
    private readonly msg: SyncMessage,
    private readonly opts: Pick<HandleOptions, "onLog">,
  ) {}

  /**
   * A line in the seed's format (`message`, French, kept for the API contract) with the stable `code` and
   * `params` the UI puts in the reader's language.
   */
  add(level: LogLevel, message: string, code?: string, params?: LogParams) {
    const entry: LogEntry = {
      entity: this.msg.entity,
      level,
      message,
      timestamp: isoNow(this.ctx.now()),
      ...(code ? { code } : {}),
      ...(params ? { params } : {}),
    };
    this.#entries.push(entry);
    this.opts.onLog?.({ ...entry, run_id: this.msg.run_id, site_id: this.msg.site_id });
  }

  async flush() {
    const entries = this.#entries;
    this.#entries = [];
    await RunStore.appendLog(this.ctx, this.msg.run_id, entries);
  }
}
