import { describe, expect, it } from "vitest";
import { type CpuProfile, groupOf, selfTimes, totals } from "./profile";

describe("groupOf", () => {
  it("names the package or workspace module a frame comes from", () => {
    expect(groupOf("/work/main/node_modules/@aws-sdk/client-dynamodb/dist-es/index.js")).toBe(
      "@aws-sdk/client-dynamodb",
    );
    expect(groupOf("../node_modules/zod/v4/core/schemas.js")).toBe("zod");
    expect(groupOf("/work/main/packages/core/src/template/client.ts")).toBe("core/template/client.ts");
    expect(groupOf("node:internal/streams/readable")).toBe("node:internal/streams/readable");
    expect(groupOf("")).toBe("(native)");
  });
});

describe("selfTimes", () => {
  it("sums the sampled time of each function and groups it", () => {
    const frame = (functionName: string, url: string) => ({
      functionName,
      url,
      lineNumber: 0,
      columnNumber: 0,
    });
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame("(root)", "") },
        { id: 2, callFrame: frame("parse", "file:///x/node_modules/zod/a.js") },
        { id: 3, callFrame: frame("hash", "file:///x/packages/core/src/util/hash.ts") },
        { id: 4, callFrame: frame("check", "file:///x/node_modules/zod/b.js") },
      ],
      samples: [2, 3, 2, 4, 1],
      timeDeltas: [1000, 2000, 3000, 500, 100],
    };
    const rows = selfTimes(profile);
    expect(totals(rows, (r) => r.group)).toEqual([
      ["zod", 4.5],
      ["core/util/hash.ts", 2],
      ["(native)", 0.1],
    ]);
    expect(rows.find((r) => r.name === "parse")?.ms).toBe(4);
  });
});
