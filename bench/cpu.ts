/**
 * Where the CPU goes during a measurement: seconds of CPU (user + system) used by DynamoDB Local's JVM, the
 * consumer child and the bench process itself (template-sim and fauxqs run there). On a 2-core machine the
 * three compete, so these say which one bounds a scenario.
 */
import { readFileSync } from "node:fs";
import type { CpuSplit } from "./report";

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ); 100 on every Linux this runs on. */
const USER_HZ = 100;

/** utime + stime of a process, in seconds, from `/proc/<pid>/stat`; undefined off Linux or once it exited. */
export function processCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  return parseStatCpuSeconds(stat, USER_HZ);
}

/** Fields 14 and 15 of a /proc stat line (counted after the parenthesised command, which may hold spaces). */
export function parseStatCpuSeconds(stat: string, hz: number): number | undefined {
  const end = stat.lastIndexOf(")");
  if (end < 0) return undefined;
  const fields = stat.slice(end + 2).split(" ");
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / hz;
}

/** This process's CPU seconds (user + system). */
export const ownCpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** CPU seconds used by DynamoDB Local, a child and this process between `start` and the returned stop. */
export function meterCpu(dynamoPid: number, childPid: number): () => CpuSplit {
  const read = () => ({
    dynamodb_local: processCpuSeconds(dynamoPid) ?? 0,
    consumer: processCpuSeconds(childPid) ?? 0,
    bench: ownCpuSeconds(),
  });
  const before = read();
  return () => {
    const after = read();
    const d = (k: keyof CpuSplit) => Math.round((after[k] - before[k]) * 100) / 100;
    return { dynamodb_local: d("dynamodb_local"), consumer: d("consumer"), bench: d("bench") };
  };
}
