/**
 * A fragment of the presence scripts: reads a room's live entries (those of instances whose
 * mark has not expired) into `n` (how many entries) and `out` (their names): all of them up
 * to ARGV[exactMaxArg] entries, else the first ARGV[someArg]. Needs KEYS[1] (the room's
 * instance marks), KEYS[2] (its member entries) and a local `now`.
 */
export const readMembersLua = (exactMaxArg: number, someArg: number): string => `
local live = {}
for _, b in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do live[b] = true end
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
  if bar and live[string.sub(e, 1, bar - 1)] then out[#out + 1] = e end
end
`;
