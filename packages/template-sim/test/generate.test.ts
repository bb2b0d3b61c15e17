import { describe, expect, it } from "vitest";
import {
  COMPARATORS,
  DEFAULT_SIZES,
  generateData,
  Mutator,
  RECORD_SCHEMAS,
  SIM_ENTITIES,
  type SimData,
  servedRecords,
} from "../src/index";

const ids = (rows: { id: number }[]): number[] => rows.map((r) => r.id);

describe("generateData", () => {
  it("is deterministic: the same seed gives the same data, another seed different data", () => {
    const a = generateData({ seed: 7, sizes: { paintings: 300, users: 300, orders: 300 } });
    const b = generateData({ seed: 7, sizes: { paintings: 300, users: 300, orders: 300 } });
    const c = generateData({ seed: 8, sizes: { paintings: 300, users: 300, orders: 300 } });
    expect(b).toEqual(a);
    expect(c.paintings).not.toEqual(a.paintings);
    expect(c.settings.smtp_password).not.toBe(a.settings.smtp_password);
  });

  it("uses the default sizes and site name", () => {
    const data = generateData();
    for (const entity of SIM_ENTITIES) expect(data[entity]).toHaveLength(DEFAULT_SIZES[entity]);
    expect(data.settings.site_name).toBe("Site Artiste");
    expect(data.paintings.every((p) => p.site_name === "Site Artiste")).toBe(true);
  });

  it("keeps a table's content independent of the sizes of unrelated tables", () => {
    const small = generateData({ seed: 3, sizes: { users: 10, paintings: 5 } });
    const large = generateData({ seed: 3, sizes: { users: 10, paintings: 500 } });
    expect(large.users).toEqual(small.users);
  });

  it("produces records that match the Template's exact shapes", () => {
    const data = generateData({
      seed: 11,
      sizes: { paintings: 400, users: 400, orders: 400, exhibitions: 30, custom_requests: 30 },
    });
    for (const entity of SIM_ENTITIES) {
      for (const record of data[entity]) RECORD_SCHEMAS[entity].parse(record);
    }
    expect(Object.values(data.settings).every((v) => typeof v === "string")).toBe(true);
  });

  it("has unique, increasing ids with gaps, like a SERIAL column with deleted rows", () => {
    const data = generateData({ seed: 5, sizes: { users: 2000 } });
    const sorted = ids(data.users).sort((x, y) => x - y);
    expect(new Set(sorted).size).toBe(sorted.length);
    expect(sorted[0]).toBeGreaterThanOrEqual(1);
    expect(sorted[sorted.length - 1]).toBeGreaterThan(sorted.length); // some ids were skipped
  });

  it("writes French content with the Template's quirks", () => {
    const data = generateData({ seed: 2, sizes: { paintings: 2000, users: 2000, orders: 2000 } });
    const statuses = new Set(data.paintings.map((p) => p.status));
    for (const s of ["disponible", "Disponible", "Vendu", "Réservé"]) expect(statuses).toContain(s);
    const categories = new Set(data.paintings.map((p) => p.category));
    for (const c of ["Paysage", "Portrait", "Abstrait", "Nature morte", null])
      expect(categories).toContain(c);
    expect(data.paintings.some((p) => p.technique === "Huile sur toile")).toBe(true);
    expect(data.paintings.some((p) => p.year === null)).toBe(true);
    expect(data.paintings.some((p) => p.year === "")).toBe(true);
    expect(data.paintings.every((p) => p.year === null || /^\d{4}$|^$/.test(p.year))).toBe(true);
    expect(data.paintings.every((p) => /^Images\/[A-Za-z0-9._-]+\.(jpg|jpeg|png)$/.test(p.image))).toBe(true);
    expect(data.paintings.some((p) => !Number.isInteger(p.price))).toBe(true);
    expect(data.paintings.some((p) => Number.isInteger(p.price))).toBe(true);

    const roles = new Set(data.users.map((u) => u.role));
    expect(roles).toEqual(new Set(["admin", "user", null]));
    expect(data.users.filter((u) => u.role === "admin").length).toBeLessThan(data.users.length / 10);
    expect(data.users.find((u) => u.id === Math.min(...ids(data.users)))?.role).toBe("admin");
    expect(new Set(data.users.map((u) => u.email)).size).toBe(data.users.length);
    expect(data.users.some((u) => /[éèëïôç]/i.test(u.name))).toBe(true);
    expect(
      data.users.every((u) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{6}\+00)?$/.test(u.create_date)),
    ).toBe(true);
    expect(data.users.some((u) => u.create_date.endsWith("+00"))).toBe(true);

    const orderStatuses = new Set(data.orders.map((o) => o.status));
    expect(orderStatuses).toEqual(new Set(["En cours", "Confirmée", "Expédiée", "Livrée", "Annulée"]));
    for (const order of data.orders) {
      const sum = order.items.reduce((s, i) => s + i.price * i.quantity, 0);
      expect(order.total_price).toBeCloseTo(sum, 2);
    }
    expect(data.settings.site_logo).toContain("🎨");
  });

  it("gives orders deliberately duplicated order_date values", () => {
    const data = generateData({ seed: 1, sizes: { orders: 500 } });
    const dates = data.orders.map((o) => o.order_date);
    expect(new Set(dates).size).toBeLessThan(dates.length * 0.9);
  });

  it("keeps every table in the Template's order", () => {
    const data = generateData({ seed: 4, sizes: { paintings: 300, orders: 300 } });
    for (const entity of SIM_ENTITIES) {
      const rows = data[entity] as never[];
      const cmp = COMPARATORS[entity] as (a: never, b: never) => number;
      for (let i = 1; i < rows.length; i++)
        expect(cmp(rows[i - 1] as never, rows[i] as never)).toBeLessThanOrEqual(0);
    }
    // display_order DESC, id DESC: explicit orders first, then the default 0 by newest id.
    const zero = data.paintings.filter((p) => p.display_order === 0);
    expect(ids(zero)).toEqual([...ids(zero)].sort((x, y) => y - x));
  });

  it("generates 100,000 records of one table with unique ids", () => {
    const data = generateData({ seed: 9, sizes: { users: 100_000, paintings: 0, orders: 0 } });
    expect(data.users).toHaveLength(100_000);
    expect(new Set(ids(data.users)).size).toBe(100_000);
  });

  it("rejects invalid sizes", () => {
    expect(() => generateData({ sizes: { users: -1 } })).toThrow(RangeError);
    expect(() => generateData({ sizes: { users: 1.5 } })).toThrow(RangeError);
  });
});

describe("servedRecords", () => {
  it("joins order lines with the current paintings: null name and image once a painting is gone", () => {
    const data = generateData({ seed: 6, sizes: { orders: 50 } });
    const order = data.orders.find((o) => o.items.length > 0);
    if (!order) throw new Error("fixture: no order with items");
    const item = order.items[0];
    if (!item) throw new Error("fixture");
    data.paintings = data.paintings.filter((p) => p.id !== item.painting_id);
    const served = servedRecords(data, "orders").find((o) => o.id === order.id);
    expect(served?.items[0]).toEqual({ ...item, name: null, image: null });
  });

  it("stamps every record with the current site_name setting", () => {
    const data = generateData({ sizes: { users: 3 } });
    data.settings.site_name = "Atelier Renoir";
    expect(servedRecords(data, "users").map((u) => u.site_name)).toEqual([
      "Atelier Renoir",
      "Atelier Renoir",
      "Atelier Renoir",
    ]);
    data.settings.site_name = "";
    expect(servedRecords(data, "users")[0]?.site_name).toBe("Site Artiste");
  });
});

describe("Mutator", () => {
  const fresh = (): SimData =>
    generateData({
      seed: 21,
      sizes: { paintings: 60, users: 60, orders: 60, exhibitions: 6, custom_requests: 6 },
    });

  it("adds records with new ids that come first in the newest-first orders", () => {
    const data = fresh();
    const m = new Mutator(data, 21);
    const maxUser = Math.max(...ids(data.users));
    const added = m.add("users", 3);
    expect(ids(added)).toEqual([maxUser + 1, maxUser + 2, maxUser + 3]);
    expect(ids(data.users.slice(0, 3))).toEqual([maxUser + 3, maxUser + 2, maxUser + 1]);
    const [order] = m.add("orders", 1);
    expect(data.orders[0]?.order_date).toBe(order?.order_date);
    for (const entity of SIM_ENTITIES) {
      for (const r of m.add(entity, 2)) RECORD_SCHEMAS[entity].parse(r);
    }
  });

  it("changes records for real and returns them as they now are", () => {
    const data = fresh();
    const m = new Mutator(data, 21);
    for (const entity of SIM_ENTITIES) {
      const before = new Map((data[entity] as { id: number }[]).map((r) => [r.id, JSON.stringify(r)]));
      const changed = m.change(entity, 4);
      expect(changed).toHaveLength(4);
      for (const r of changed) {
        expect(JSON.stringify(r)).not.toBe(before.get(r.id));
        expect((data[entity] as { id: number }[]).find((x) => x.id === r.id)).toEqual(r);
      }
    }
  });

  it("removes records and returns them", () => {
    const data = fresh();
    const m = new Mutator(data, 21);
    const removed = m.remove("paintings", 5);
    expect(removed).toHaveLength(5);
    expect(data.paintings).toHaveLength(55);
    for (const r of removed) expect(ids(data.paintings)).not.toContain(r.id);
    expect(m.remove("exhibitions", 100)).toHaveLength(6);
    expect(data.exhibitions).toHaveLength(0);
  });

  it("reorders without adding or removing records", () => {
    for (const entity of ["paintings", "orders", "exhibitions", "custom_requests"] as const) {
      const data = fresh();
      const before = ids(data[entity]);
      new Mutator(data, 21).reorder(entity);
      const after = ids(data[entity]);
      expect([...after].sort()).toEqual([...before].sort());
      if (entity === "paintings") expect(after).not.toEqual(before);
    }
  });

  it("is deterministic for the same seed and call sequence", () => {
    const run = (): SimData => {
      const data = fresh();
      const m = new Mutator(data, 21);
      m.add("paintings", 3);
      m.change("orders", 5);
      m.remove("users", 4);
      m.reorder("paintings");
      return data;
    };
    expect(run()).toEqual(run());
  });

  it("rejects a negative count", () => {
    expect(() => new Mutator(fresh(), 1).add("users", -1)).toThrow(RangeError);
  });
});
