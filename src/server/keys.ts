/**
 * Every Redis key and channel name, built from one configurable prefix. Names that come
 * from users (rooms, user names) are validated against NAME_PATTERN before they reach here,
 * so they never carry `*`, `:`, braces or anything else Redis or the layout treats specially.
 */
export interface Keys {
  user(name: string): string;
  userSessions(name: string): string;
  session(hash: string): string;
  roomLog(room: string): string;
  roomSeq(room: string): string;
  roomPresence(room: string): string;
  roomTyping(room: string): string;
  sendDedupe(room: string, user: string, clientMsgId: string): string;
  rooms(): string;
  instances(): string;
  instance(id: string): string;
  loginIp(ip: string): string;
  loginUser(name: string): string;
  /**
   * Key prefix of one login limiter (`ip`, `ipfail`, `pair`, `user`); the limiter appends
   * `:<address>`, `:<name>` or `:<name>:<address>`. Each limiter key stands alone.
   */
  loginLimiter(kind: string): string;
  /** Key prefix of a flood-penalty limiter (`strikes`, `block`); it appends `:<session hash>`. */
  floodLimiter(kind: string): string;
  /** Pub/sub channel carrying every stored message to every instance, in id order. */
  fanoutChannel(): string;
  /** Key prefix of the Socket.IO Redis adapter's channels. */
  adapterPrefix(): string;
}

export function makeKeys(prefix: string): Keys {
  return {
    user: (name) => `${prefix}user:${name}`,
    userSessions: (name) => `${prefix}user:${name}:sessions`,
    session: (hash) => `${prefix}session:${hash}`,
    roomLog: (room) => `${prefix}room:${room}:log`,
    roomSeq: (room) => `${prefix}room:${room}:seq`,
    roomPresence: (room) => `${prefix}room:${room}:presence`,
    roomTyping: (room) => `${prefix}room:${room}:typing`,
    sendDedupe: (room, user, id) => `${prefix}room:${room}:sent:${user}:${id}`,
    rooms: () => `${prefix}rooms`,
    instances: () => `${prefix}instances`,
    instance: (id) => `${prefix}instance:${id}`,
    loginIp: (ip) => `${prefix}ratelimit:login:ip:${ip}`,
    loginUser: (name) => `${prefix}ratelimit:login:user:${name}`,
    loginLimiter: (kind) => `${prefix}ratelimit:login:${kind}`,
    floodLimiter: (kind) => `${prefix}ratelimit:flood:${kind}`,
    fanoutChannel: () => `${prefix}fanout`,
    adapterPrefix: () => `${prefix}sio`,
  };
}
