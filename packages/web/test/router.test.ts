import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { href, parseHash, ROUTES, type RouteName } from "../src/lib/router";

describe("parseHash", () => {
  it("maps the empty hash and aliases to the overview", () => {
    expect(parseHash("").name).toBe("overview");
    expect(parseHash("#").name).toBe("overview");
    expect(parseHash("#/").name).toBe("overview");
    expect(parseHash("#/overview").name).toBe("overview");
  });

  it("reads a route with its parameter and query", () => {
    const route = parseHash("#/runs/run_01H%2Fx?entity=paintings&empty=");
    expect(route.name).toBe("run");
    expect(route.params).toEqual({ id: "run_01H/x" });
    expect(route.query).toEqual({ entity: "paintings" });
  });

  it("ignores trailing and doubled slashes", () => {
    expect(parseHash("#/paintings/").name).toBe("paintings");
    expect(parseHash("#//sites").name).toBe("sites");
  });

  it("says not_found for unknown paths and broken encodings, keeping the path", () => {
    expect(parseHash("#/nope")).toMatchObject({ name: "not_found", path: "/nope" });
    expect(parseHash("#/runs/%E0%A4%A").name).toBe("not_found");
    expect(parseHash("#/runs/a/b").name).toBe("not_found");
  });
});

describe("href", () => {
  it("builds hashes, dropping empty query values", () => {
    expect(href("paintings", {}, { site_id: "a b", status: "", q: undefined })).toBe(
      "#/paintings?site_id=a+b",
    );
    expect(href("overview")).toBe("#/");
    expect(href("run", { id: "run_1" })).toBe("#/runs/run_1");
  });

  it("gives every record its own address, apart from its list", () => {
    expect(href("painting", { site: "atelier-a", id: "12" })).toBe("#/paintings/atelier-a/12");
    expect(parseHash("#/paintings/atelier-a/12")).toMatchObject({
      name: "painting",
      params: { site: "atelier-a", id: "12" },
    });
    expect(parseHash("#/users/a/3").name).toBe("user");
    expect(parseHash("#/orders/a/7").name).toBe("order");
    expect(parseHash("#/paintings").name).toBe("paintings");
    expect(parseHash("#/paintings/a").name).toBe("not_found");
  });

  it("refuses a missing parameter", () => {
    expect(() => href("run")).toThrow(/id/);
  });

  it("round-trips every route, any id and any query", () => {
    const names = Object.keys(ROUTES) as RouteName[];
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.string({ minLength: 1 }),
        fc.dictionary(fc.stringMatching(/^[a-z_]{1,10}$/), fc.string({ minLength: 1 })),
        (name, id, query) => {
          const params: Record<string, string> = {
            ...(ROUTES[name].includes(":id") ? { id } : {}),
            ...(ROUTES[name].includes(":site") ? { site: `${id}-site` } : {}),
          };
          const route = parseHash(href(name, params, query));
          expect(route.name).toBe(name);
          expect(route.params).toEqual(params);
          expect(route.query).toEqual(query);
        },
      ),
    );
  });
});
