import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { SubscriptionSettings } from './settings';

/**
 * Where the server agrees to send notifications (server-side request forgery guard). Checked on
 * the URL when a Subscription is written, and again on every address the host name resolves to
 * when a notification is sent (so DNS cannot point an accepted name at a forbidden address).
 */
const ALWAYS_REFUSED = new BlockList();
// link-local (cloud metadata services live here: 169.254.169.254), "this network", multicast
ALWAYS_REFUSED.addSubnet('169.254.0.0', 16, 'ipv4');
ALWAYS_REFUSED.addSubnet('0.0.0.0', 8, 'ipv4');
ALWAYS_REFUSED.addSubnet('224.0.0.0', 4, 'ipv4');
ALWAYS_REFUSED.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
ALWAYS_REFUSED.addSubnet('fe80::', 10, 'ipv6');
ALWAYS_REFUSED.addSubnet('ff00::', 8, 'ipv6');
ALWAYS_REFUSED.addAddress('fd00:ec2::254', 'ipv6'); // AWS IMDS over IPv6
ALWAYS_REFUSED.addAddress('::', 'ipv6');

const PRIVATE = new BlockList();
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4'); // carrier-grade NAT
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');

const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'instance-data', 'metadata.azure.com']);

/** `::ffff:169.254.169.254` is judged as the IPv4 address it carries. */
function normalise(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1] as string, family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** Why `address` (an IP literal) may not receive notifications; undefined when it may. */
export function refusedAddress(address: string, settings: Pick<SubscriptionSettings, 'allowPrivate'>): string | undefined {
  const { address: ip, family } = normalise(address);
  if (ALWAYS_REFUSED.check(ip, family)) return `address ${ip} is link-local, cloud-metadata or otherwise never reachable for notifications`;
  if (!settings.allowPrivate && PRIVATE.check(ip, family)) return `address ${ip} is loopback or private (set SUBSCRIPTIONS_ALLOW_PRIVATE=true to allow it)`;
  return undefined;
}

/** Checks an endpoint URL without DNS: scheme, allow-list, literal addresses, metadata names. */
export function refusedEndpoint(raw: string, settings: SubscriptionSettings): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `'${raw}' is not an absolute URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'the endpoint must be an http or https URL';
  if (url.username || url.password) return 'the endpoint URL must not carry credentials (use channel.header)';
  if (settings.allowedEndpoints.length > 0 && !settings.allowedEndpoints.some((prefix) => raw.startsWith(prefix))) {
    return 'the endpoint is not on the allow-list (SUBSCRIPTIONS_ALLOWED_ENDPOINTS)';
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (METADATA_HOSTS.has(host)) return `host ${host} is a cloud-metadata service`;
  if (isIP(host)) return refusedAddress(host, settings);
  if (host === 'localhost' || host.endsWith('.localhost')) return refusedAddress('127.0.0.1', settings);
  return undefined;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that resolves the host and refuses the connection when any
 * resolved address is forbidden: the check and the connection use the same answer.
 */
export function guardedLookup(settings: SubscriptionSettings) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      for (const { address } of addresses) {
        const reason = refusedAddress(address, settings);
        if (reason) return callback(Object.assign(new Error(reason), { code: 'EREFUSEDADDRESS' }), []);
      }
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), []);
      if (options.all) return callback(null, addresses);
      return callback(null, first.address, first.family);
    });
  };
}
