import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP anonymization before storage: IPv4 keeps its /24 (last octet zeroed), IPv6 its /48.
 * Returns null for anything that is not an IP address.
 */
export function anonymizeIp(ip: string | undefined | null): string | null {
  if (!ip) return null;
  const v = ip.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (isIPv4(v)) return v.replace(/\.\d+$/, '.0');
  if (isIPv6(v)) {
    const groups = expandIpv6(v);
    return `${groups.slice(0, 3).join(':')}::`;
  }
  return null;
}

function expandIpv6(ip: string): string[] {
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') && tail ? tail.split(':') : [];
  const missing = 8 - h.length - t.length;
  const all = ip.includes('::') ? [...h, ...Array(missing).fill('0'), ...t] : h;
  return all.map((g) => (g.replace(/^0+(?=.)/, '') || '0').toLowerCase());
}
