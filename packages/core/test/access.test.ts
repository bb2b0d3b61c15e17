/**
 * Roles, e-mail masking and retention settings: pure functions, no network.
 */
import { describe, expect, it } from "vitest";
import { maskEmail, maskPersonalData } from "../src/privacy";
import { DEFAULT_RETENTION, retentionFromEnv } from "../src/retention";
import { allows, ROLES, seesPersonalData } from "../src/role";
import { isNamedToken } from "../src/token";

describe("roles", () => {
  it("nest viewer < operator < owner", () => {
    const table = ROLES.map((role) => ROLES.map((required) => allows(role, required)));
    expect(table).toEqual([
      [true, false, false],
      [true, true, false],
      [true, true, true],
    ]);
    expect(ROLES.filter(seesPersonalData)).toEqual(["operator", "owner"]);
  });

  it("recognises a named token's shape only", () => {
    expect(isNamedToken(`adt_${"a".repeat(43)}`)).toBe(true);
    expect(isNamedToken(`adt_${"a".repeat(42)}`)).toBe(false);
    expect(isNamedToken("some-bootstrap-token-value")).toBe(false);
  });
});

describe("e-mail masking", () => {
  it.each([
    ["jean.dupont@gmail.com", "j***@g***.com"],
    ["m@orange.fr", "m***@o***.fr"],
    ["a@localhost", "a***@l***"],
  ])("masks %s as %s", (email, masked) => expect(maskEmail(email)).toBe(masked));

  it("masks addresses inside text and at any depth, and leaves everything else alone", () => {
    const record = {
      id: 3,
      email: "claire@atelier.fr",
      customer_name: "Claire",
      note: "Écrire à claire@atelier.fr ou paul@ex.com",
      handle: "@claire_peint",
      items: [{ contact: "x@y.org" }],
    };
    const masked = maskPersonalData(record);
    expect(masked).toEqual({
      id: 3,
      email: "c***@a***.fr",
      customer_name: "Claire",
      note: "Écrire à c***@a***.fr ou p***@e***.com",
      handle: "@claire_peint",
      items: [{ contact: "x***@y***.org" }],
    });
    expect(record.email).toBe("claire@atelier.fr");
  });
});

describe("retention settings", () => {
  it("defaults to 30 days for deleted records, 14 for rejected ones, 365 for the audit log, 400 for activity", () => {
    expect(retentionFromEnv({})).toEqual(DEFAULT_RETENTION);
    expect(DEFAULT_RETENTION).toEqual({
      deletedRecordsDays: 30,
      rejectedRecordsDays: 14,
      auditDays: 365,
      activityDays: 400,
    });
  });

  it("reads each from the environment and refuses a value that is not a number of days", () => {
    expect(retentionFromEnv({ DELETED_RECORD_RETENTION_DAYS: "7", AUDIT_RETENTION_DAYS: "90" })).toEqual({
      deletedRecordsDays: 7,
      rejectedRecordsDays: 14,
      auditDays: 90,
      activityDays: 400,
    });
    expect(retentionFromEnv({ ACTIVITY_RETENTION_DAYS: "30" }).activityDays).toBe(30);
    expect(() => retentionFromEnv({ REJECTED_RECORD_RETENTION_DAYS: "soon" })).toThrow(
      /REJECTED_RECORD_RETENTION_DAYS/,
    );
    expect(() => retentionFromEnv({ AUDIT_RETENTION_DAYS: "0" })).toThrow(/AUDIT_RETENTION_DAYS/);
  });
});
