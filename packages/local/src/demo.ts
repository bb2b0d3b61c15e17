/**
 * Demo Template sites for `npm start`: simulated Templates (`@dashboard/template-sim`) with distinct names,
 * seeds, sizes and quirks (both settings shapes, an older Template without custom requests, the current
 * Template's broken custom-requests export), holding what real catalogues hold (empty categories and images,
 * NULL statuses and display orders, a secret setting no pattern anticipates), registered as
 * Dashboard sites `demo-1`, `demo-2`, ... and synced at start.
 *
 * Ids are stable across restarts; the simulators are not (new ports, a new random API key each start), so
 * an existing demo site gets its `template_url` and `api_key` updated through core, exactly as an admin would
 * with `PATCH /api/sites/{id}`. A demo site an admin disabled stays disabled and is not synced. Webhook
 * secrets of demo sites are never printed (rotate one through the API to sign webhooks by hand).
 */
import type { Ctx } from "@dashboard/core/context";
import { randomToken } from "@dashboard/core/crypto";
import { VisibleError } from "@dashboard/core/error";
import * as SiteStore from "@dashboard/core/site";
import * as Sync from "@dashboard/core/sync";
import { type OptionalEndpoint, type Sim, type Sizes, startSim } from "@dashboard/template-sim";

/** More would only slow a laptop down; a real fleet is tested with the benchmark, not the demo. */
export const MAX_DEMO_SITES = 20;

export interface DemoSpec {
  id: string;
  name: string;
  seed: number;
  sizes: Partial<Sizes>;
  settingsShape: "flat" | "documented";
  endpoints?: Partial<Record<OptionalEndpoint, boolean>>;
  /** The current Template's custom-requests export, which serves column names instead of values. */
  brokenCustomRequests?: boolean;
}

const NAMED: readonly Omit<DemoSpec, "id">[] = [
  {
    name: "Atelier Lumière",
    seed: 101,
    sizes: { paintings: 240, users: 180, orders: 150, exhibitions: 8, custom_requests: 6 },
    settingsShape: "flat",
    // The current Template: its custom-requests export is broken (the sync fails that entity, with why).
    brokenCustomRequests: true,
  },
  {
    name: "Galerie des Quais",
    seed: 202,
    sizes: { paintings: 320, users: 260, orders: 210, exhibitions: 5, custom_requests: 4 },
    settingsShape: "documented",
  },
  {
    name: "Maison Tilleul",
    seed: 303,
    sizes: { paintings: 150, users: 120, orders: 90, exhibitions: 3, custom_requests: 0 },
    settingsShape: "flat",
    // An older Template: no custom-requests endpoint (the sync skips it, as for a real one).
    endpoints: { custom_requests: false },
  },
  {
    name: "Atelier des Brumes",
    seed: 404,
    sizes: { paintings: 200, users: 150, orders: 120, exhibitions: 4, custom_requests: 2 },
    settingsShape: "documented",
  },
  {
    name: "Galerie Saint-Clair",
    seed: 505,
    sizes: { paintings: 280, users: 90, orders: 60, exhibitions: 6, custom_requests: 3 },
    settingsShape: "flat",
  },
  {
    name: "Studio Mistral",
    seed: 606,
    sizes: { paintings: 120, users: 200, orders: 160, exhibitions: 2, custom_requests: 5 },
    settingsShape: "flat",
  },
];

/** The demo sites `DEMO_SITES=count` starts; `sizes` overrides every site's table sizes (tests keep them small). */
export function demoSpecs(count: number, sizes?: Partial<Sizes>): DemoSpec[] {
  if (!Number.isInteger(count) || count < 0 || count > MAX_DEMO_SITES) {
    throw new RangeError(`demo sites: an integer in 0..${MAX_DEMO_SITES}, got ${count}`);
  }
  return Array.from({ length: count }, (_, i) => {
    const named = NAMED[i];
    const base: Omit<DemoSpec, "id"> = named ?? {
      name: `Atelier Démo ${i + 1}`,
      seed: 700 + i,
      sizes: { paintings: 100 + 20 * (i % 5), users: 80, orders: 60, exhibitions: 3, custom_requests: 2 },
      settingsShape: i % 2 === 0 ? "flat" : "documented",
    };
    return { ...base, id: `demo-${i + 1}`, sizes: sizes ? { ...base.sizes, ...sizes } : base.sizes };
  });
}

export interface DemoSite {
  id: string;
  name: string;
  /** The simulated Template (its control API is `${sim.url}/__sim/`). */
  sim: Sim;
  /** False when an admin disabled the site: it is kept as is and not synced. */
  enabled: boolean;
  /** True when this start registered the site (first start with this data directory). */
  created: boolean;
  /** The run started for it at start-up, if any. */
  runId?: string;
}

export interface StartDemoOptions {
  /** Start a sync of every enabled demo site (default true). */
  sync?: boolean;
}

/** Starts the simulators, registers or updates the sites, and starts their first sync. */
export async function startDemoSites(
  ctx: Ctx,
  specs: readonly DemoSpec[],
  options: StartDemoOptions = {},
): Promise<{ sites: DemoSite[]; close: () => Promise<void> }> {
  const sims: Sim[] = [];
  const close = async () => {
    await Promise.allSettled(sims.map((sim) => sim.close()));
  };
  try {
    const sites = await Promise.all(
      specs.map(async (spec): Promise<DemoSite> => {
        const apiKey = `demo_${randomToken(24)}`;
        const sim = await startSim({
          apiKey,
          seed: spec.seed,
          siteName: spec.name,
          sizes: spec.sizes,
          settingsShape: spec.settingsShape,
          realShapes: true,
          ...(spec.brokenCustomRequests ? { brokenCustomRequests: true } : {}),
          ...(spec.endpoints ? { endpoints: spec.endpoints } : {}),
        });
        sims.push(sim);
        const registered = await register(ctx, spec, sim.url, apiKey);
        const site: DemoSite = {
          id: spec.id,
          name: registered.name,
          sim,
          enabled: registered.enabled,
          created: registered.created,
        };
        if (site.enabled && options.sync !== false) {
          const started = await Sync.start(ctx, { siteId: spec.id, trigger: "manual" });
          if (started.run) site.runId = started.run.run_id;
        }
        return site;
      }),
    );
    return { sites, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function register(
  ctx: Ctx,
  spec: DemoSpec,
  templateUrl: string,
  apiKey: string,
): Promise<{ name: string; enabled: boolean; created: boolean }> {
  try {
    const updated = await SiteStore.update(ctx, spec.id, { template_url: templateUrl, api_key: apiKey });
    return { name: updated.name, enabled: updated.enabled, created: false };
  } catch (error) {
    if (!(error instanceof VisibleError && error.code === "site_not_found")) throw error;
  }
  try {
    const { site } = await SiteStore.create(ctx, {
      id: spec.id,
      name: spec.name,
      template_url: templateUrl,
      api_key: apiKey,
    });
    return { name: site.name, enabled: site.enabled, created: true };
  } catch (error) {
    // Created meanwhile by another start on the same data: update it instead.
    if (!(error instanceof VisibleError && error.code === "site_exists")) throw error;
    const updated = await SiteStore.update(ctx, spec.id, { template_url: templateUrl, api_key: apiKey });
    return { name: updated.name, enabled: updated.enabled, created: false };
  }
}
