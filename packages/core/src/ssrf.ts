/**
 * Template URLs are fetched server-side, so in production they must not reach inside AWS: https only, and
 * never a private, loopback, link-local, unique-local or cloud-metadata address. The shape is checked when a
 * site is saved; the resolved address is checked again at fetch time (DNS rebinding), redirects included.
 * Locally (`npm start`, tests) loopback Template URLs are allowed.
 */
import dns from "node:dns";
import { lookup } from "node:dns/promises";
import type * as Http from "node:http";
import type * as Https from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { Readable } from "node:stream";
import { VisibleError } from "./error";

// Two lists: a BlockList checks an IPv4 address against IPv6 rules too (as `::ffff:a.b.c.d`), so with the
// IPv4-mapped range below in the same list every IPv4 address would be refused.
const blocked = new BlockList();
const blockedV6 = new BlockList();
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
/**
 * IPv6 forms that embed an IPv4 address are refused whatever that address is: IPv4-compatible (`::/96`,
 * which also holds `::` and `::1`), IPv4-mapped (`::ffff:0:0/96`), NAT64 (`64:ff9b::/96`, `64:ff9b:1::/48`)
 * and 6to4 (`2002::/16`). A Template has no reason to be reached through one, and each can lead to an
 * internal IPv4 address by a path the IPv4 list would not see.
 */
for (const [net, prefix] of [
  ["::", 96],
  ["::ffff:0:0", 96],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["2002::", 16],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  blockedV6.addSubnet(net, prefix, "ipv6");
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
  if (family === 6) return blockedV6.check(address, "ipv6");
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

type LookupAll = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
) => void;

const systemLookupAll: LookupAll = (hostname, options, callback) => dns.lookup(hostname, options, callback);

/**
 * A `lookup` for sockets that refuses to connect to a private or reserved address: the check happens on the
 * very address the connection uses, so a name that resolves to a public address for the pre-check and to an
 * internal one a moment later (DNS rebinding) is still refused.
 */
export const guardedLookup =
  (resolveAll: LookupAll = systemLookupAll): LookupFunction =>
  (hostname, options, callback) => {
    resolveAll(hostname, { family: options.family, hints: options.hints, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 4);
      const blocked = addresses.find((a) => isBlockedAddress(a.address));
      const first = addresses[0];
      if (blocked || !first) {
        const error: NodeJS.ErrnoException = new Error(
          `${hostname} resolves to a private or reserved address`,
        );
        error.code = "ETEMPLATEBLOCKED";
        return callback(error, "", 4);
      }
      if (options.all)
        return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, first.address, first.family);
    });
  };

/** Statuses whose response has no body (a `Response` refuses one for them). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Enough of `fetch` for the Template client, over Node's own http and https with `lookup` resolving every
 * new connection: GET or HEAD without a body, request headers, an abort signal, the body streamed. Redirects
 * are never followed (the client follows them by hand, checking each hop), as with `redirect: "manual"`.
 * Connections are kept alive and reused, each one checked when it was opened.
 */
export const lookupFetch = (lookup: LookupFunction): typeof fetch => {
  // Taken from Node's CommonJS side: an ES `import` of node:http builds its ES facade by reading every
  // export, and the lazy `WebSocket` getter among them loads Node's bundled undici (about 20 ms of every
  // cold start, measured in the consumer's init; docs/performance.md).
  const http = process.getBuiltinModule("node:http") as typeof Http;
  const https = process.getBuiltinModule("node:https") as typeof Https;
  const agents = {
    "http:": new http.Agent({ keepAlive: true }),
    "https:": new https.Agent({ keepAlive: true }),
  };
  const fetchWith = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const method = (init.method ?? "GET").toUpperCase();
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return Promise.reject(new TypeError(`guarded fetch: ${url.protocol} is not http(s)`));
    }
    if ((method !== "GET" && method !== "HEAD") || (init.body !== undefined && init.body !== null)) {
      return Promise.reject(new TypeError("guarded fetch: only GET and HEAD, without a body"));
    }
    return new Promise<Response>((resolve, reject) => {
      const send = url.protocol === "https:" ? https.request : http.request;
      const request = send(
        url,
        {
          method,
          headers: Object.fromEntries(new Headers(init.headers)),
          agent: agents[url.protocol as "http:" | "https:"],
          lookup,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (response) => {
          try {
            const status = response.statusCode ?? 0;
            const headers = new Headers();
            const raw = response.rawHeaders;
            for (let i = 0; i + 1 < raw.length; i += 2)
              headers.append(raw[i] as string, raw[i + 1] as string);
            const empty = NULL_BODY_STATUSES.has(status) || method === "HEAD";
            if (empty) response.resume();
            const body = empty ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>);
            resolve(new Response(body, { status, statusText: response.statusMessage ?? "", headers }));
          } catch (error) {
            response.destroy();
            reject(error);
          }
        },
      );
      request.on("error", reject);
      request.end();
    });
  };
  return fetchWith as unknown as typeof fetch;
};

/**
 * `fetch` for production Template calls: every connection goes through `guardedLookup`. Node's own HTTP
 * stack rather than the undici package: the same guard without a second HTTP client (525 KB minified) in
 * every Lambda bundle (docs/performance.md).
 */
export const createGuardedFetch = (resolveAll?: LookupAll): typeof fetch =>
  lookupFetch(guardedLookup(resolveAll));
