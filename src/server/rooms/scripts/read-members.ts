/**
 * A fragment of the presence scripts: reads a room's live entries (those whose presence id is
 * not among the dead ones given) into `n` (how many unexpired entries) and `names` (their
 * users, one a line, a user on two instances twice): all of them up to ARGV[exactMaxArg]
 * entries, else the first ARGV[someArg]. The dead presence ids are ARGV[deadFrom..#ARGV].
 * Needs KEYS[2] (the room's member entries) and a local `now`.
 *
 * The names go back as one string, not an array of entries: ioredis decodes a reply value by
 * value, and reading a room of 100 this way cost the instance about 100 µs of CPU against
 * 30 µs for the one string and its split, Redis the same (`bench/reply-probe.ts`;
 * bench/ANALYSIS.md, section w). A name never holds a line break (NAME_PATTERN).
 */
export const readMembersLua = (exactMaxArg: number, someArg: number, deadFrom: number): string => `
local dead = {}
for i = ${deadFrom}, #ARGV do dead[ARGV[i]] = true end
local n = redis.call('ZCOUNT', KEYS[2], now, '+inf')
local entries
if n <= tonumber(ARGV[${exactMaxArg}]) then
  entries = redis.call('ZRANGEBYSCORE', KEYS[2], now, '+inf')
else
  entries = redis.call('ZRANGEBYSCORE', KEYS[2], now, '+inf', 'LIMIT', 0, tonumber(ARGV[${someArg}]))
end
local out = {}
for _, e in ipairs(entries) do
  local bar = string.find(e, '|', 1, true)
  if bar and not dead[string.sub(e, 1, bar - 1)] then out[#out + 1] = string.sub(e, bar + 1) end
end
local names = table.concat(out, '\\n')
`;

/**
 * A fragment of the presence scripts: drops the entries of the dead presence ids
 * ARGV[from..to] from a room, adding how many to a local `dropped`. An id is looked for
 * among the entries only where the room's set of presence ids (KEYS[1]) holds it, so a dead
 * instance costs nothing in the rooms it was not in. Needs KEYS[2] (the member entries).
 */
export const dropDeadLua = (from: string, to: string): string => `
for i = ${from}, ${to} do
  local b = ARGV[i]
  if redis.call('ZREM', KEYS[1], b) == 1 then
    local cursor = '0'
    repeat
      local r = redis.call('ZSCAN', KEYS[2], cursor, 'MATCH', b .. '|*', 'COUNT', 1000)
      cursor = r[1]
      for j = 1, #r[2], 2 do
        dropped = dropped + redis.call('ZREM', KEYS[2], r[2][j])
      end
    until cursor == '0'
  end
end
`;
