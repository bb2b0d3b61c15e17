/** store/expression.ts: the filter and projection text queries send, every name and value behind a placeholder. */
import { describe, expect, it } from "vitest";
import { rangeQuery } from "../src/store/db";
import { absent, contains, either, equals, expressionOf, notDeleted, oneOf } from "../src/store/expression";

describe("expressionOf", () => {
  it("joins the conditions given with AND, skipping the filters not given", () => {
    const status: string | undefined = undefined;
    expect(
      expressionOf({
        where: [notDeleted, status && equals("f_status", status), contains("search", "monet"), false, ""],
      }),
    ).toEqual({
      FilterExpression: "attribute_not_exists(#x0) AND contains(#x1, :x0)",
      ExpressionAttributeNames: { "#x0": "deleted_at", "#x1": "search" },
      ExpressionAttributeValues: { ":x0": "monet" },
    });
  });

  it("names each part of a path once, reserved words included, and groups alternatives", () => {
    expect(
      expressionOf({
        where: [
          either(equals("actor.token_id", "tok_1"), equals("actor.name", "tok_1")),
          oneOf("kind", ["a", "b"]),
        ],
        project: ["kind", "data.name"],
      }),
    ).toEqual({
      FilterExpression: "(#x0.#x1 = :x0 OR #x0.#x2 = :x1) AND #x3 IN (:x2, :x3)",
      ProjectionExpression: "#x3, #x4.#x2",
      ExpressionAttributeNames: {
        "#x0": "actor",
        "#x1": "token_id",
        "#x2": "name",
        "#x3": "kind",
        "#x4": "data",
      },
      ExpressionAttributeValues: { ":x0": "tok_1", ":x1": "tok_1", ":x2": "a", ":x3": "b" },
    });
  });

  it("is empty when it keeps and reads everything", () => {
    expect(expressionOf({ where: [undefined, false] })).toEqual({});
  });
});

describe("rangeQuery", () => {
  it("keeps the key range's values beside the filter's", () => {
    expect(rangeQuery({ pk: "P", from: "a", to: "b" }, { where: [absent("f_quality")] })).toEqual({
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      FilterExpression: "attribute_not_exists(#x0)",
      ExpressionAttributeNames: { "#x0": "f_quality" },
      ExpressionAttributeValues: { ":pk": "P", ":from": "a", ":to": "b" },
    });
  });
});
