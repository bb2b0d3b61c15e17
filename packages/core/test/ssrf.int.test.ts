/**
 * DNS rebinding: a name that passes the pre-check but resolves to an internal address when the connection
 * is made must still be refused, and the internal server must receive nothing.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuardedFetch, guardedLookup } from "../src/ssrf";

describe("guarded connections", () => {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end("internal");
  });
  let port = 0;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("refuses a lookup that answers with a private address", async () => {
    const lookup = guardedLookup((_h, _o, cb) => cb(null, [{ address: "10.0.0.5", family: 4 }]));
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      lookup("artiste.example.org", { all: false }, (e) => resolve(e)),
    );
    expect(err?.code).toBe("ETEMPLATEBLOCKED");
  });

  it("passes a public address through", async () => {
    const lookup = guardedLookup((_h, _o, cb) => cb(null, [{ address: "93.184.216.34", family: 4 }]));
    const address = await new Promise<string>((resolve, reject) =>
      lookup("artiste.example.org", { all: false }, (e, a) => (e ? reject(e) : resolve(a as string))),
    );
    expect(address).toBe("93.184.216.34");
  });

  it("never connects when the name resolves to loopback at connect time", async () => {
    const guarded = createGuardedFetch((_h, _o, cb) => cb(null, [{ address: "127.0.0.1", family: 4 }]));
    await expect(guarded(`http://rebinding.example.org:${port}/api/export/paintings`)).rejects.toThrow();
    expect(hits).toBe(0);
    // The same server is reachable without the guard: the refusal came from the guard, not the network.
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("internal");
    expect(hits).toBe(1);
  });
});
