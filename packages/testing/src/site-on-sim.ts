/**
 * The setup most sync suites share: a fresh engine (createEngine) and a template-sim of its own, with one
 * site registered on it when the suite names one. The suite closes the sim (`afterAll`).
 */
import * as SiteStore from "@dashboard/core/site";
import { type Sim, type SimOptions, startSim } from "@dashboard/template-sim";
import { createEngine, type Engine } from "./engine";

export interface SiteOnSim {
  id: string;
  name: string;
}

/** Registers a site served by `sim`, with the sim's API key. */
export async function addSite(engine: Engine, sim: Sim, site: SiteOnSim, apiKey: string): Promise<void> {
  await SiteStore.create(engine.ctx, {
    id: site.id,
    name: site.name,
    template_url: sim.url,
    api_key: apiKey,
  });
}

export async function engineWithSim(
  prefix: string,
  simOptions: SimOptions,
  site?: SiteOnSim,
): Promise<{ engine: Engine; sim: Sim }> {
  const engine = await createEngine(prefix);
  const sim = await startSim(simOptions);
  if (site) await addSite(engine, sim, site, simOptions.apiKey);
  return { engine, sim };
}
