/**
 * User `index`'s order of the servers: it starts on its share of them (`index % n`), and on a
 * loss moves to the others in an order that also depends on it, so the users of an instance
 * that dies spread over the survivors as they would behind a balancer, rather than all
 * landing on the next URL of one shared list.
 */
export function serversOf(servers: readonly string[], index: number): string[] {
  const n = servers.length;
  const first = servers[index % n]!;
  const others = servers.filter((_, i) => i !== index % n);
  const turn = others.length > 0 ? Math.floor(index / n) % others.length : 0;
  return [first, ...others.slice(turn), ...others.slice(0, turn)];
}
