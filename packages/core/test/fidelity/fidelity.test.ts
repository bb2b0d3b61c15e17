/**
 * Randomised fidelity: for each seed, a random history of source changes, transient faults and partial
 * syncs, then quiet and a full sync; the store must then equal the Template (see scenario.ts).
 *
 * `npm test` runs a few fixed seeds. Replay one: `FIDELITY_SEED=42 npx vitest run packages/core/test/fidelity`
 * (`FIDELITY_VERBOSE=1` prints each step as it happens).
 * Hundreds: `npx tsx packages/core/test/fidelity/many-seeds.ts --seeds 200`.
 */

import { createEngine, type Engine } from "@dashboard/testing/engine";
import { beforeAll, describe, expect, it } from "vitest";
import { describeFailure, runSeed } from "./scenario";

const replaying = process.env.FIDELITY_SEED;
const SEEDS = replaying ? [Number(replaying)] : [1, 2, 3, 4, 5];

describe("randomised fidelity", () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await createEngine("fidelity");
  });

  it.each(SEEDS)(
    "seed %i: after faults and quiet, the store equals what the Template serves",
    { timeout: 120_000 },
    async (seed) => {
      expect(Number.isInteger(seed), `FIDELITY_SEED must be an integer, got ${replaying}`).toBe(true);
      const verbose = process.env.FIDELITY_VERBOSE === "1";
      const result = await runSeed(
        engine.ctx,
        seed,
        verbose
          ? {
              onStep: (line) => console.log(line),
              onDelivery: (d) =>
                console.log(
                  `   ${d.body.entity} ${d.body.run_id.slice(-6)} seq=${d.body.continuation?.seq ?? 0} waits=${d.body.lease_waits} receive=${d.receiveCount}: ${d.outcome ? JSON.stringify(d.outcome).slice(0, 160) : String(d.error)}`,
                ),
            }
          : {},
      );
      if (!result.ok) {
        const report = describeFailure(
          result,
          `FIDELITY_SEED=${seed} npx vitest run packages/core/test/fidelity`,
        );
        console.error(report);
        expect.fail(report);
      }
      expect(result.problems).toEqual([]);
    },
  );
});
