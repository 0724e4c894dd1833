import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * Which hops in front of an instance are trusted to say who the client is (in
 * X-Forwarded-For): `(address, index)`, index 0 being the TCP peer. Null trusts none.
 */
export type TrustProxy = ((addr: string, i: number) => boolean) | null;

/**
 * Reads `CHAT_TRUST_PROXY` as Express's `trust proxy` reads its setting:
 * - unset, empty, `0` or `false`: no proxy; the TCP peer is the client;
 * - a hop count N: the N nearest hops are proxies (`1`: one balancer in front);
 * - `true`: one hop (Express would trust every hop, which lets a client pick its address);
 * - a comma-separated list of addresses, CIDR ranges or `loopback`, `linklocal`,
 *   `uniquelocal`: the hops within it are proxies.
 * The client is then the right-most address that is not a trusted proxy, so an address a
 * client wrote into the header itself is never taken for its own.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const v = (raw ?? '').trim();
  if (v === '' || v === '0' || v === 'false') return null;
  if (v === 'true') return (_addr, i) => i < 1;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return (_addr, i) => i < hops;
  }
  const list = v.split(',').map((s) => s.trim());
  try {
    return proxyaddr.compile(list);
  } catch (err) {
    throw new Error(
      `CHAT_TRUST_PROXY must be a hop count or a comma-separated list of addresses and CIDR ` +
        `ranges (or loopback, linklocal, uniquelocal), got ${JSON.stringify(raw)}: ${(err as Error).message}`,
    );
  }
}

/** The address of the client behind `req`, as far as the trusted proxies say. */
export function clientAddress(req: IncomingMessage, trust: TrustProxy): string {
  if (!trust) return req.socket.remoteAddress ?? 'unknown';
  return proxyaddr(req, trust);
}
