import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSensitiveKey, isSensitiveSetting, MASKED } from "../src/lib/sensitive";

describe("isSensitiveKey", () => {
  it("flags the Template's secrets and anything that looks like one", () => {
    for (const key of [
      "stripe_secret_key",
      "smtp_password",
      "export_api_key",
      "EXPORT_API_KEY",
      "apikey",
      "mailchimp-api-key",
      "github_token",
      "csrf_token",
      "db_passwd",
      "private_key",
      "webhook_secret",
    ]) {
      expect(isSensitiveKey(key), key).toBe(true);
    }
  });

  it("leaves ordinary settings visible, the publishable Stripe key included", () => {
    for (const key of [
      "site_name",
      "site_logo",
      "stripe_publishable_key",
      "saas_site_price_cache",
      "smtp_host",
      "theme_color",
    ]) {
      expect(isSensitiveKey(key), key).toBe(false);
    }
  });

  it("flags every key containing secret, password, api_key or token, in any case", () => {
    const word = fc.constantFrom("secret", "password", "api_key", "token");
    const affix = fc.stringMatching(/^[a-z_]{0,8}$/);
    fc.assert(
      fc.property(affix, word, affix, fc.boolean(), (before, w, after, upper) => {
        const key = `${before}${w}${after}`;
        return isSensitiveKey(upper ? key.toUpperCase() : key);
      }),
    );
  });
});

describe("isSensitiveSetting", () => {
  it("hides masked values and secret-looking values whatever their key", () => {
    expect(isSensitiveSetting("anything", MASKED)).toBe(true);
    expect(isSensitiveSetting("weird", "sk_live_abc")).toBe(true);
    expect(isSensitiveSetting("weird", "rk_test_abc")).toBe(true);
    expect(isSensitiveSetting("hook", "whsec_123")).toBe(true);
  });

  it("shows ordinary values", () => {
    expect(isSensitiveSetting("site_name", "Atelier")).toBe(false);
    expect(isSensitiveSetting("stripe_publishable_key", "pk_test_123")).toBe(false);
    expect(isSensitiveSetting("count", 3)).toBe(false);
  });
});
