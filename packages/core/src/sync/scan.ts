/**
 * The scan of a record entity (paintings, users, orders, exhibitions, custom requests):
 *
 *   page through the export → dedupe ids → validate (quarantine the invalid, with reasons) →
 *   hash and write only what changed → after a complete scan, mark as deleted what was not seen
 *
 * A large entity is checkpointed: when the invocation's time (or page budget) runs short, the ids seen so
 * far are saved (seen.ts) and the orchestrator sends a continuation carrying the offset.
 */
import type { Ctx } from "../context";
import type { RecordEntity } from "../entity";
import { HashIndex, shortHash } from "../hash-index";
import * as Records from "../record";
import type { EntityResult } from "../run";
import * as RunStore from "../run";
import type { Item } from "../store/db";
import { whyUnstorable } from "../store/limits";
import { validateRecord } from "../template/schema";
import { isoNow } from "../util/time";
import { checkBounds, expectedCount, type StopReason, scanLimits, stopped, unreadableSource } from "./bounds";
import {
  type EntityJob,
  freshCounters,
  LABEL,
  MAX_INVALID_WARNINGS,
  recordIdOf,
  resultOf,
  type Step,
} from "./job";
import { loadSeen } from "./seen";
import { WriteQueue } from "./write-queue";

export async function syncRecords(ctx: Ctx, job: EntityJob, entity: RecordEntity): Promise<Step> {
  const writes = new WriteQueue(ctx, job.opts.writeConcurrency ?? 4);
  // What is stored, from the hash index (or from the records when it cannot be used: hash-index.ts).
  const index = await HashIndex.open(ctx, job.site.id, entity, job.msg.run_id);
  let step: Step;
  try {
    step = await scanRecords(ctx, job, entity, writes, index);
  } catch (error) {
    // This delivery's writes end before it reports the failure: a redelivery never races them.
    await writes.settle();
    throw error;
  }
  // Every way out of the scan drained its writes first: the index now follows what the records say.
  await index.commit();
  return step;
}

async function scanRecords(
  ctx: Ctx,
  job: EntityJob,
  entity: RecordEntity,
  writes: WriteQueue,
  index: HashIndex,
): Promise<Step> {
  const { msg, site, client, log, opts, stop: stopCheck, live } = job;
  const label = LABEL[entity];
  const syncTimestamp = isoNow(ctx.now());
  // `inserted` counts this invocation's inserts only: the stored index read below already holds the
  // records earlier invocations of the scan inserted (carrying it over counted them twice in the site's counts).
  const counters = msg.continuation
    ? { ...msg.continuation.counters, inserted: 0 }
    : freshCounters(ctx.now());
  const { stored } = index;
  // Never synced to its end before: what this scan writes is the site's existing data, not news.
  const initialImport = site.last_synced_at?.[entity] === undefined;
  const seen = msg.continuation ? await loadSeen(ctx, msg, msg.continuation.seq) : new Set<number | string>();
  const newlySeen: (number | string)[] = [];
  let invalidWarnings = 0;
  if (!msg.continuation)
    log.add("INFO", `Synchronisation des ${label.many} depuis ${site.template_url}`, "sync_start", {
      url: site.template_url,
    });

  const processBatch = async (records: unknown[]) => {
    const items: Item[] = [];
    const quarantined: RunStore.InvalidRecord[] = [];
    for (const raw of records) {
      counters.fetched++;
      const id = recordIdOf(raw);
      if (id !== undefined) {
        if (seen.has(id)) {
          counters.duplicates++;
          continue;
        }
        seen.add(id);
        newlySeen.push(id);
      } else {
        counters.unidentified++;
      }
      const checked = validateRecord(entity, raw);
      if (!checked.ok) {
        counters.invalid++;
        quarantined.push({ entity, record_id: id ?? null, reasons: checked.reasons, raw });
        if (invalidWarnings++ < MAX_INVALID_WARNINGS) {
          log.add(
            "WARNING",
            `Enregistrement rejeté (${label.one.toLocaleLowerCase("fr")} ${id ?? "sans id"}) — ${checked.reasons.join("; ")}`,
            "record_invalid",
            { id: id ?? "", reasons: checked.reasons.join(";") },
          );
        }
        continue;
      }
      counters.valid++;
      const { record, quality } = checked;
      const hash = Records.recordHash(record, site.template_url);
      const before = stored.get(record.id);
      // The index keeps 60 bits of each hash (hash-index.ts): the comparison is on those.
      const unchanged = before !== undefined && !before.deleted && before.hash === shortHash(hash);
      if (quality.length > 0) {
        // The seed's warning, kept for a record it would have dropped: stored here, flagged. Said once, when
        // the record is new or changed: an unchanged one, flagged again every run, is only counted (the
        // entity's summary line says "N signalées").
        counters.flagged++;
        if (!unchanged && invalidWarnings++ < MAX_INVALID_WARNINGS) {
          log.add(
            "WARNING",
            `${label.one} invalide: ${record.id} — ${quality.join("; ")} (données incomplètes, enregistrement conservé)`,
            "record_flagged",
            { id: record.id, reasons: quality.join(";") },
          );
        }
      }
      if (unchanged) {
        // Written by an earlier delivery of this run (one that died before reporting): still this run's write.
        if (before?.changedBy === msg.run_id) counters.written++;
        else counters.unchanged++;
        continue;
      }
      const item = Records.toItem(
        site.id,
        entity,
        record,
        site.template_url,
        syncTimestamp,
        hash,
        msg.run_id,
        quality,
        initialImport,
      );
      // What DynamoDB would refuse is rejected alone, before the batch is written: the rest is stored.
      const unstorable = whyUnstorable(item);
      if (unstorable !== undefined) {
        counters.valid--;
        if (quality.length > 0) counters.flagged--;
        counters.invalid++;
        quarantined.push({ entity, record_id: record.id, reasons: [unstorable], raw });
        if (invalidWarnings++ < MAX_INVALID_WARNINGS) {
          log.add(
            "WARNING",
            `${label.one} impossible à stocker: ${record.id} — ${unstorable}`,
            "record_invalid",
            {
              id: record.id,
              reasons: unstorable,
            },
          );
        }
        continue;
      }
      if (!before || before.deleted) counters.inserted++;
      counters.written++;
      items.push(item);
      index.wrote(record.id, hash);
    }
    if (quarantined.length) await RunStore.quarantine(ctx, msg.run_id, quarantined);
    if (items.length > 0) await index.beforeWrite();
    await writes.push(items);
  };

  const paged = entity === "paintings" || entity === "users" || entity === "orders";
  if (paged) {
    const maxPages = opts.maxPagesPerInvocation ?? 400;
    const margin = opts.safetyMarginMs ?? 60_000;
    let pagesThisInvocation = 0;
    const caps = scanLimits(site, opts);
    // Whether to stop (cancel, site deleted) is asked at each page, while the next page is being fetched
    // (no round trip in series with every page), and read at most every few seconds (StopCheck).
    let nextStop: Promise<StopReason | undefined> | undefined;
    for await (const page of client.pages(entity, { startOffset: msg.continuation?.offset ?? 0 })) {
      if (page.records.length === 0) break;
      const stop = await (nextStop ?? stopCheck.check());
      if (stop) {
        counters.write_requests += await writes.drain();
        return stopped(counters, stop, log);
      }
      counters.pages++;
      pagesThisInvocation++;
      checkBounds(counters, caps, page.records, seen, entity);
      await processBatch(page.records);
      nextStop = stopCheck.check();
      // Awaited at the next page; a scan that ends first must not leave a rejection unhandled.
      nextStop.catch(() => undefined);
      live.update(resultOf(counters, "running"));
      if (pagesThisInvocation >= maxPages || opts.remainingMs() < margin) {
        counters.write_requests += await writes.drain();
        log.add(
          "INFO",
          `${counters.fetched} ${label.many} lues; la suite continue dans un nouveau message (offset ${page.nextOffset})`,
          "scan_continues",
          { fetched: counters.fetched, offset: page.nextOffset },
        );
        return { kind: "continue", offset: page.nextOffset, counters, newlySeen };
      }
    }
  } else {
    const records = entity === "exhibitions" ? await client.exhibitions() : await client.customRequests();
    const stop = await stopCheck.check();
    if (stop) return stopped(counters, stop, log);
    counters.pages = 1;
    checkBounds(counters, scanLimits(site, opts), records, seen, entity);
    await processBatch(records);
  }
  counters.write_requests += await writes.drain();

  // Deletions: only on the strength of a complete scan that agrees with the Template's own count, and
  // never when the source served nothing readable.
  const garbage = unreadableSource(entity, counters);
  const distinct = seen.size + counters.unidentified;
  const expected = garbage ? undefined : await expectedCount(client, entity);
  let deletedIds: number[] = [];
  const candidates = [...stored].filter(([id, s]) => !s.deleted && !seen.has(id)).map(([id]) => id);
  let withheld: RunStore.EntityError | undefined;
  if (garbage) {
    if (candidates.length > 0)
      log.add(
        "WARNING",
        `${candidates.length} ${label.many} conservées (source illisible)`,
        "kept_unreadable",
        {
          count: candidates.length,
        },
      );
  } else if (candidates.length > 0) {
    // Cancelled (or the site deleted) after the last page: nothing is deleted (asked afresh).
    const stop = await stopCheck.check({ fresh: true });
    if (stop) return stopped(counters, stop, log);
    // Delete nothing on doubt: a complete scan AND the Template's own count, agreeing.
    if (expected === undefined) {
      withheld = {
        code: "count_unknown",
        message: `The Template gave no ${entity}_count (stats missing or failing): ${candidates.length} record(s) no longer served were kept`,
      };
      log.add(
        "WARNING",
        `Nombre annoncé inconnu (statistiques absentes ou en erreur): ${candidates.length} ${label.many} absentes conservées (suppression non confirmée)`,
        "count_unknown",
        { count: candidates.length },
      );
    } else if (expected !== distinct) {
      withheld = {
        code: "count_mismatch",
        message: `${distinct} distinct record(s) read for ${expected} announced by the Template: ${candidates.length} record(s) no longer served were kept`,
      };
      log.add(
        "WARNING",
        `Lecture incomplète: ${distinct} ${label.many} vues pour ${expected} annoncées; suppressions reportées à la prochaine synchronisation`,
        "incomplete_scan",
        { seen: distinct, expected },
      );
    } else {
      deletedIds = candidates;
      await index.beforeWrite();
      await Records.markDeleted(ctx, site.id, entity, deletedIds, syncTimestamp, msg.run_id);
      index.deleted(deletedIds);
    }
  }
  // Deleted by an earlier delivery of this run that died before reporting: still this run's deletions.
  const deletedBefore = [...stored].filter(
    ([id, s]) => s.deleted && s.changedBy === msg.run_id && !seen.has(id),
  ).length;
  if (counters.duplicates > 0) {
    log.add("INFO", `${counters.duplicates} doublon(s) ignoré(s) entre les pages`, "duplicates_ignored", {
      count: counters.duplicates,
    });
  }
  if (invalidWarnings > MAX_INVALID_WARNINGS) {
    log.add(
      "WARNING",
      `${invalidWarnings - MAX_INVALID_WARNINGS} autre(s) ${label.many} rejetées ou signalées (voir les enregistrements rejetés et signalés)`,
      "more_invalid",
      { count: invalidWarnings - MAX_INVALID_WARNINGS },
    );
  }
  if (counters.fetched === 0) log.add("WARNING", "Aucune donnée reçue", "no_data");
  if (garbage) {
    log.add("ERROR", garbage.message, "entity_failed", { error: garbage.code });
    return {
      kind: "done",
      result: {
        ...resultOf(counters, "failed", deletedIds.length + deletedBefore),
        duration_ms: ctx.now().getTime() - counters.started_ms,
        error: garbage,
      },
    };
  }
  const liveBefore = [...stored.values()].filter((s) => !s.deleted).length;
  const result: EntityResult = {
    ...resultOf(counters, "succeeded", deletedIds.length + deletedBefore),
    duration_ms: ctx.now().getTime() - counters.started_ms,
    ...(withheld ? { deletions_withheld: withheld } : {}),
  };
  log.add(
    "SUCCESS",
    `${counters.valid}/${distinct} ${label.many} ${label.synced} (${counters.written} écrites, ${counters.unchanged} inchangées, ${deletedIds.length + deletedBefore} supprimées${counters.flagged ? `, ${counters.flagged} signalées` : ""}${counters.invalid ? `, ${counters.invalid} rejetées` : ""})`,
    "entity_synced",
    {
      valid: counters.valid,
      received: distinct,
      written: counters.written,
      unchanged: counters.unchanged,
      deleted: deletedIds.length + deletedBefore,
      invalid: counters.invalid,
    },
  );
  return { kind: "done", result, liveCount: liveBefore + counters.inserted - deletedIds.length };
}
