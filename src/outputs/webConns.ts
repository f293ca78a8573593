// The connections serve holds, and the one that makes room when a new one
// arrives at --max-connections.
import type { Socket } from 'node:net';

/** The client a connection counts against at the cap: its address, or its /64 for IPv6 (one host has a whole /64). */
export function clientGroup(address: string | undefined): string {
  const a = address ?? '';
  if (!a.includes(':') || a.startsWith('::ffff:')) return a.replace(/^::ffff:/, '');
  const [head, tail = ''] = a.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '').toLowerCase()).join(':')}::/64`;
}

/**
 * A TCP connection's two ends: the TLS socket a request arrives on has the
 * same as the TCP socket under it, and no two open connections share them.
 */
export const ends = (s: Socket): string => `${s.localAddress}|${s.remoteAddress}|${s.remotePort}`;

export interface Conn {
  socket: Socket;
  client: string;
  opened: number;
  /** Requests not yet answered, and of them those past authentication. */
  queued: number;
  active: number;
  /** Passed basic authentication once. */
  trusted: boolean;
  closed: AbortController;
}

/**
 * The connection to close so a new one fits: never one being answered; of
 * the rest, one of the client holding the most, then one not authenticated,
 * then the oldest. A flood from a few addresses evicts itself, not the
 * scraper's connection that just opened.
 */
export function victim(conns: Iterable<Conn>): Conn | undefined {
  const all = [...conns];
  const per = new Map<string, number>();
  for (const c of all) per.set(c.client, (per.get(c.client) ?? 0) + 1);
  const held = (c: Conn) => per.get(c.client) ?? 0;
  return all.filter((c) => c.active === 0).sort((a, b) => held(b) - held(a) || Number(a.trusted) - Number(b.trusted) || a.opened - b.opened)[0];
}
