/**
 * `npx tsx bench/profile.ts FILE.cpuprofile [--top N]`: where a bench child spent its CPU, from the V8
 * profile `npm run bench -- --cpu-prof DIR` writes. Self time is summed by function and by package (the
 * bundle's source map, copied next to the profiles, maps the worker bundle back to its sources).
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import { renderTable } from "./stats";

const CallFrame = z.object({
  functionName: z.string(),
  url: z.string(),
  lineNumber: z.number(),
  columnNumber: z.number(),
});

export const CpuProfile = z.object({
  nodes: z.array(z.object({ id: z.number(), callFrame: CallFrame })),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});
export type CpuProfile = z.infer<typeof CpuProfile>;

export interface SelfTime {
  name: string;
  where: string;
  group: string;
  ms: number;
}

/** "…/node_modules/@aws-sdk/client-dynamodb/dist-es/x.js" → "@aws-sdk/client-dynamodb"; "packages/core/src/sync.ts" → "core/sync.ts". */
export function groupOf(source: string): string {
  const modules = source.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const parts = source.slice(modules + "node_modules/".length).split("/");
    return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1] ?? ""}` : (parts[0] ?? source);
  }
  const pkg = /packages\/([^/]+)\/src\/(.+)$/.exec(source);
  if (pkg) return `${pkg[1]}/${pkg[2]}`;
  if (source.startsWith("node:") || source === "") return source || "(native)";
  return source.replace(/^.*\/(bench\/.+)$/, "$1");
}

/** Self time per profile node, its source mapped back through `map` when the frame is in the bundle. */
export function selfTimes(profile: CpuProfile, map?: { url: string; sourceMap: SourceMap }): SelfTime[] {
  const ms = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    ms.set(id, (ms.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return profile.nodes
    .filter((n) => (ms.get(n.id) ?? 0) > 0)
    .map((n) => {
      const f = n.callFrame;
      let source = f.url;
      let line = f.lineNumber + 1;
      if (map && f.url === map.url) {
        const entry = map.sourceMap.findEntry(f.lineNumber, f.columnNumber);
        if ("originalSource" in entry && entry.originalSource) {
          source = entry.originalSource;
          line = entry.originalLine + 1;
        }
      }
      const name = f.functionName || (f.url ? "(anonymous)" : "(native)");
      return {
        name,
        where: `${source.replace(/^file:\/\//, "")}:${line}`,
        group: groupOf(source),
        ms: ms.get(n.id) ?? 0,
      };
    });
}

/** Sums by a key, largest first. */
export function totals(rows: readonly SelfTime[], key: (r: SelfTime) => string): [string, number][] {
  const sums = new Map<string, number>();
  for (const r of rows) sums.set(key(r), (sums.get(key(r)) ?? 0) + r.ms);
  return [...sums].sort((a, b) => b[1] - a[1]);
}

/** The source map of the bundle most frames come from: next to the profile, or next to the bundle. */
function loadMap(profileFile: string, profile: CpuProfile) {
  const counts = new Map<string, number>();
  for (const n of profile.nodes) {
    const url = n.callFrame.url;
    if (url.startsWith("file://") && url.endsWith(".mjs")) counts.set(url, (counts.get(url) ?? 0) + 1);
  }
  const bundle = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!bundle) return undefined;
  const local = join(dirname(profileFile), `${basename(fileURLToPath(bundle))}.map`);
  const original = `${fileURLToPath(bundle)}.map`;
  const file = existsSync(local) ? local : existsSync(original) ? original : undefined;
  if (!file) return undefined;
  return { url: bundle, sourceMap: new SourceMap(JSON.parse(readFileSync(file, "utf8"))) };
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "25" } },
  });
  const file = positionals[0];
  if (!file) throw new Error("usage: npx tsx bench/profile.ts FILE.cpuprofile [--top N]");
  const top = Number(values.top);
  const profile = CpuProfile.parse(JSON.parse(readFileSync(file, "utf8")));
  const rows = selfTimes(profile, loadMap(file, profile));
  const total = rows.reduce((n, r) => n + r.ms, 0);
  const pct = (ms: number) => `${((ms / total) * 100).toFixed(1)}%`;
  const ms = (v: number) => v.toFixed(0);
  console.log(`${basename(file)}: ${(total / 1000).toFixed(2)} s sampled\n`);
  console.log(
    renderTable(
      ["package / module", "self ms", "share"],
      totals(rows, (r) => r.group)
        .slice(0, top)
        .map(([g, v]) => [g, ms(v), pct(v)]),
    ),
  );
  console.log();
  console.log(
    renderTable(
      ["function", "where", "self ms", "share"],
      totals(rows, (r) => `${r.name}\u0000${r.where}`)
        .slice(0, top)
        .map(([k, v]) => {
          const [name = "", where = ""] = k.split("\u0000");
          return [name, where.replace(/^.*?(node_modules\/|packages\/|bench\/)/, "$1"), ms(v), pct(v)];
        }),
    ),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
