import { describe, expect, it } from "vitest";
import { resolveAssetUrl } from "../src/lib/urls";

describe("resolveAssetUrl", () => {
  const base = "https://claire.example.com";

  it("keeps absolute http(s) URLs", () => {
    expect(resolveAssetUrl("https://cdn.example.com/logo.png", base)).toBe(
      "https://cdn.example.com/logo.png",
    );
  });

  it("reads paths against the Template, not the Dashboard", () => {
    expect(resolveAssetUrl("/static/logo.png", base)).toBe("https://claire.example.com/static/logo.png");
    expect(resolveAssetUrl("Images/logo.svg", `${base}/shop`)).toBe(
      "https://claire.example.com/shop/Images/logo.svg",
    );
  });

  it("treats text, other schemes and missing values as no image", () => {
    for (const value of [
      "🎨 Atelier Claire",
      "Atelier",
      "javascript:alert(1)",
      "data:image/png;base64,xx",
      "",
      null,
      3,
    ]) {
      expect(resolveAssetUrl(value, base), String(value)).toBeNull();
    }
    expect(resolveAssetUrl("/logo.png", undefined)).toBeNull();
  });
});
