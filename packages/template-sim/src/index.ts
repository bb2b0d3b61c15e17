/**
 * A simulated Template site (TEMPLATE-API.md): the export API with the real shapes, sort orders, paging and
 * quirks, deterministic French demo data, fault injection and a control API. For tests, demos and benchmarks.
 */
export { DAY_MS, naiveTimestamp, parseTemplateDate, pgTimestamp, pythonNowIso } from "./dates";
export {
  DEFAULT_ERROR_TEXT,
  FAULT_TARGETS,
  FaultControl,
  type FaultSnapshot,
  FaultSpec,
  type FaultSpecInput,
  FaultTarget,
  InvalidKind,
  InvalidRule,
  UnstableOrderMode,
} from "./faults";
export {
  DEFAULT_SEED,
  DEFAULT_SITE_NAME,
  type GenerateOptions,
  generateData,
  resolveSizes,
} from "./generate";
export { paintingSvg } from "./image";
export { flaskJson } from "./json";
export { Mutator } from "./mutator";
export { COMPARATORS, ensureSorted } from "./order";
export * from "./schema";
export {
  PAGED_DEFAULT_LIMIT,
  type PagedEntity,
  servedRecords,
  settingsDocumented,
  settingsFlat,
  siteNameOf,
  statsBody,
} from "./serve";
export {
  type AuthOutcome,
  type OptionalEndpoint,
  type RequestRecord,
  type Sim,
  type SimOptions,
  startSim,
} from "./server";
