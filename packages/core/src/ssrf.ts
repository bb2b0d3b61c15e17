/**
 * Template URLs are fetched server-side, so in production they must not reach inside AWS: https only, and
 * never a private, loopback, link-local, unique-local or cloud-metadata address. The shape is checked when a
 * site is saved; the resolved address is checked again at fetch time (DNS rebinding), redirects included.
 * Locally (`npm start`, tests) loopback Template URLs are allowed.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { VisibleError } from "./error";

const blocked = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  blocked.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  blocked.addSubnet(net, prefix, "ipv6");
}

const METADATA_HOSTS = new Set([
  "metadata.google.internal",
  "metadata",
  "instance-data",
  "instance-data.ec2.internal",
]);

/** True when an IP address is one a production Template URL must never reach. */
export const isBlockedAddress = (address: string): boolean => {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1]) return isBlockedAddress(mapped[1]);
    return blocked.check(address, "ipv6");
  }
  return blocked.check(address, "ipv4");
};

const refuse = (message: string) => new VisibleError("invalid_request", "template_url_not_allowed", message);

const hostOf = (url: URL): string => url.hostname.replace(/^\[|\]$/g, "").toLowerCase();

/** Checked when a site is saved: in production https only, and no literal internal address or name. */
export async function assertTemplateUrlShape(value: string, production: boolean): Promise<void> {
  const url = new URL(value);
  if (url.username || url.password) throw refuse("template_url must not carry credentials");
  if (!production) return;
  if (url.protocol !== "https:") throw refuse("template_url must use https in production");
  const host = hostOf(url);
  if (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host.endsWith(".internal") ||
    METADATA_HOSTS.has(host)
  ) {
    throw refuse(`template_url host "${host}" is internal`);
  }
  if (isIP(host) && isBlockedAddress(host))
    throw refuse(`template_url address ${host} is private or reserved`);
}

export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Checked before every request (and every redirect hop) in production: every address the host resolves
 * to must be public. Returns nothing; throws `template_url_not_allowed`.
 */
export async function assertFetchAllowed(url: URL, production: boolean, resolve: Resolver = systemResolver) {
  if (!production) return;
  await assertTemplateUrlShape(url.toString(), true);
  const host = hostOf(url);
  const addresses = isIP(host) ? [host] : await resolve(host);
  if (addresses.length === 0 || addresses.some(isBlockedAddress)) {
    throw refuse(`template_url host "${host}" resolves to a private or reserved address`);
  }
}
