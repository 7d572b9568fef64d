/**
 * The Lua scripts of the Redis backend. Each touches exactly one key
 * (KEYS[1]), so each runs on the node holding it in a Cluster, and each is one
 * atomic step there. Errors Redis raises come back as its own error replies
 * (redis.pcall, then `return` the error: `error()` would append the script's
 * location); the scripts' own errors are `SG:<CODE> <message>` (errors.ts).
 * Loaded with ioredis defineCommand: EVALSHA, EVAL once on NOSCRIPT.
 */

/** The owner of entries taken back by a delivery policy (policy-scripts.ts); never counted as a consumer. */
export const RELEASED_OWNER = 'streamgate:released';

/** Lua helpers every streamgate script starts with (the policy scripts too). */
export const PRELUDE = `
local CHUNK = 1000
-- The first chunk a budgeted read takes (a COUNT up to it is one command); each next one is twice as big, up to CHUNK.
local FIRST_CHUNK = 16
local MAXID = '18446744073709551615-18446744073709551615'
local function failed(r) return type(r) == 'table' and r.err ~= nil end
local function tagged(code, message) return redis.error_reply('SG:' .. code .. ' ' .. message) end
-- XPENDING, XCLAIM, XREADGROUP ... on a missing key answer NOGROUP; the contract's code for that is NO_STREAM.
local function nostream_or(key, r)
  if string.sub(r.err, 1, 8) == 'NOGROUP ' and redis.call('EXISTS', key) == 0 then return tagged('NO_STREAM', r.err) end
  return r
end
local function field(reply, name)
  for i = 1, #reply, 2 do if reply[i] == name then return reply[i + 1] end end
  return nil
end
local function group_row(key, group)
  local rows = redis.call('XINFO', 'GROUPS', key)
  for _, row in ipairs(rows) do if field(row, 'name') == group then return row end end
  return false
end
-- A reply's budget (src/core/reply-budget.ts, the same measure: bytes of field names and values) from
-- ARGV bytes-left|'' entries-left|'' taken; nil when nothing caps the reply.
local function budget_of(bytes, entries, taken)
  if (bytes or '') == '' and (entries or '') == '' then return nil end
  return { bytes = tonumber(bytes) or math.huge, entries = tonumber(entries) or math.huge, taken = tonumber(taken) or 0 }
end
local function entry_bytes(fields)
  local n = 0
  if fields then for _, v in ipairs(fields) do n = n + #v end end
  return n
end
-- Takes an entry from the budget, or false when it does not fit; the first entry of a reply always fits.
local function spend(b, fields)
  local n = entry_bytes(fields)
  if b.taken > 0 and (b.entries < 1 or n > b.bytes) then return false end
  b.entries = b.entries - 1; b.bytes = b.bytes - n; b.taken = b.taken + 1
  return true
end
local function spent(b) return b.taken > 0 and (b.entries <= 0 or b.bytes <= 0) end
-- XRANGE key first last / XREVRANGE key first(high) last(low), at most count (nil: no count), the leading
-- entries that fit b; read in chunks growing from FIRST_CHUNK, so no chunk holds much more than the budget.
-- Returns the entries, or nil and Redis's error.
local function budget_range(cmd, key, first, last, count, b)
  local out = {}
  local chunk = FIRST_CHUNK
  while true do
    local want = chunk
    if count then want = math.min(want, count - #out) end
    if want <= 0 then return out end
    local r = redis.pcall(cmd, key, first, last, 'COUNT', want)
    if failed(r) then return nil, r end
    for _, e in ipairs(r) do
      if not spend(b, e[2]) then return out end
      out[#out + 1] = e
    end
    local lastid = r[#r] and r[#r][1]
    if #r < want or spent(b) or lastid == MAXID then return out end
    first = '(' .. lastid
    chunk = math.min(chunk * 2, CHUNK)
  end
end
-- MAX_CONSUMERS_PER_GROUP before anything else changes: an error reply when consumer is new to the group
-- and the group already has max (max '': no cap). Without the group it answers nil and lets the command
-- that follows raise NOGROUP. The second answer: whether it created the consumer (nil: not known). Under maxmemory CREATECONSUMER is refused (OOM), so existence is then
-- read from XINFO CONSUMERS (O(consumers), only then); the released owner is not counted.
local function admit(key, group, consumer, max)
  if max == '' then return nil end
  local limit = tonumber(max)
  local created = redis.pcall('XGROUP', 'CREATECONSUMER', key, group, consumer)
  local n
  if failed(created) then
    if string.sub(created.err, 1, 4) ~= 'OOM ' then return nil end
    local rows = redis.pcall('XINFO', 'CONSUMERS', key, group)
    if failed(rows) then return nil end
    n = 0
    for _, row in ipairs(rows) do
      local name = field(row, 'name')
      if name == consumer then return nil end
      if name ~= '${RELEASED_OWNER}' then n = n + 1 end
    end
    n = n + 1
  else
    if created == 0 then return nil, false end
    local row = group_row(key, group)
    n = tonumber(field(row, 'consumers'))
    if #redis.call('XPENDING', key, group, '-', '+', 1, '${RELEASED_OWNER}') > 0 then n = n - 1 end
    if n > limit then redis.call('XGROUP', 'DELCONSUMER', key, group, consumer) end
  end
  if n > limit then return tagged('MAX_CONSUMERS_REACHED', tostring(limit)) end
  if created == nil then return nil end
  return nil, true
end
-- A claim whose follow-up needs memory (the deadlines of a delivery policy, ZADD) is refused under maxmemory
-- before it claims anything: XGROUP CREATECONSUMER (the claim makes the consumer anyway) is refused there too.
local function memory_refused(needs, key, group, consumer)
  if needs ~= '1' then return nil end
  local r = redis.pcall('XGROUP', 'CREATECONSUMER', key, group, consumer)
  if failed(r) and string.sub(r.err, 1, 4) == 'OOM ' then return r end
  return nil
end
-- XCLAIM's and XAUTOCLAIM's refusals, in Redis's order and before anything changes: the key and group
-- (NO_STREAM / NOGROUP), the consumer cap (max), then memory (needs).
local function claim_refused(key, group, consumer, max, needs)
  local probe = redis.pcall('XPENDING', key, group, '-', '+', 0)
  if failed(probe) then return nostream_or(key, probe) end
  local refused = admit(key, group, consumer, max)
  if refused then return refused end
  return memory_refused(needs, key, group, consumer)
end
`;

/**
 * Appends a batch (or one message with a \`<ms>-*\` ID), checked whole first:
 * the ID of each message is computed from the stream top as XADD would
 * (\`*\` from the server's TIME), in decimal strings since IDs are two u64s and
 * Lua has doubles; only then is anything added, each with its explicit ID,
 * and trimmed once after the last. Neither MULTI nor scripts roll back, so
 * nothing may fail after the first XADD.
 * ARGV: nomkstream(0|1) batch(0|1) ntrim trim-arg... n (id-spec nfields field...)...
 * Reply: the IDs, or nil with NOMKSTREAM on a missing key.
 */
const ADD_BATCH = `
local U64MAX = '18446744073709551615'
local function dcmp(a, b)
  if #a ~= #b then if #a < #b then return -1 else return 1 end end
  if a == b then return 0 end
  if a < b then return -1 else return 1 end
end
local function dinc(a)
  local i = #a
  while i > 0 and string.byte(a, i) == 57 do i = i - 1 end
  if i == 0 then return '1' .. string.rep('0', #a) end
  return string.sub(a, 1, i - 1) .. string.char(string.byte(a, i) + 1) .. string.rep('0', #a - i)
end
local function split(id)
  local dash = string.find(id, '-', 1, true)
  return string.sub(id, 1, dash - 1), string.sub(id, dash + 1)
end

local key = KEYS[1]
local nomk = ARGV[1] == '1'
local batch = ARGV[2] == '1'
local ntrim = tonumber(ARGV[3])
local pos = 4 + ntrim
local n = tonumber(ARGV[pos])
pos = pos + 1
local first = pos

local exists = redis.call('EXISTS', key) == 1
if nomk and not exists then return false end
local ms, seq = '0', '0'
if exists then
  local info = redis.pcall('XINFO', 'STREAM', key)
  if failed(info) then return info end
  ms, seq = split(field(info, 'last-generated-id'))
end

local function refuse(code, message, index)
  if batch then message = message .. ' (message ' .. index .. ')' end
  return tagged(code, message)
end

local t = redis.call('TIME')
local now = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
local ids = {}
for i = 0, n - 1 do
  local spec = ARGV[pos]
  local nfields = tonumber(ARGV[pos + 1])
  local auto_seq = spec ~= '*' and string.sub(spec, -2) == '-*'
  local nms, nseq
  if spec ~= '*' and not auto_seq then
    nms, nseq = split(spec)
    if nms == '0' and nseq == '0' then return refuse('ID_NOT_GREATER', 'ERR The ID specified in XADD must be greater than 0-0', i) end
  end
  if ms == U64MAX and seq == U64MAX then
    return refuse('ID_EXHAUSTED', 'ERR The stream has exhausted the last possible ID, unable to add more items', i)
  end
  if spec == '*' then
    if dcmp(now, ms) > 0 then nms, nseq = now, '0'
    elseif seq == U64MAX then nms, nseq = dinc(ms), '0'
    else nms, nseq = ms, dinc(seq) end
  elseif auto_seq then
    local sms = string.sub(spec, 1, -3)
    if sms == ms then
      if seq == U64MAX then return refuse('SEQ_EXHAUSTED', 'ERR Elements are too large to be stored', i) end
      nms, nseq = ms, dinc(seq)
    else
      nms, nseq = sms, '0'
    end
  end
  local c = dcmp(nms, ms)
  if c == 0 then c = dcmp(nseq, seq) end
  if c <= 0 then
    return refuse('ID_NOT_GREATER', 'ERR The ID specified in XADD is equal or smaller than the target stream top item', i)
  end
  ms, seq = nms, nseq
  ids[i + 1] = ms .. '-' .. seq
  pos = pos + 2 + nfields
end

pos = first
for i = 1, n do
  local nfields = tonumber(ARGV[pos + 1])
  local args = { 'XADD', key, ids[i] }
  for j = 1, nfields do args[3 + j] = ARGV[pos + 1 + j] end
  redis.call(unpack(args))
  pos = pos + 2 + nfields
end
if ntrim > 0 then
  local args = { 'XTRIM', key }
  for i = 1, ntrim do args[2 + i] = ARGV[3 + i] end
  redis.call(unpack(args))
end
return ids
`;

/**
 * ARGV: XRANGE|XREVRANGE bound bound count|'' then the budget: bytes|'' entries|'' taken.
 * Reply: the entries (within the budget), or nil for a missing key.
 */
const RANGE = `
local b = budget_of(ARGV[5], ARGV[6], ARGV[7])
local count = tonumber(ARGV[4])
local r
if b then
  local err
  r, err = budget_range(ARGV[1], KEYS[1], ARGV[2], ARGV[3], count, b)
  if r == nil then return err end
else
  if count then r = redis.pcall(ARGV[1], KEYS[1], ARGV[2], ARGV[3], 'COUNT', count)
  else r = redis.pcall(ARGV[1], KEYS[1], ARGV[2], ARGV[3]) end
  if failed(r) then return r end
end
if #r == 0 and redis.call('EXISTS', KEYS[1]) == 0 then return false end
return r
`;

/** ARGV: XTRIM's arguments after the key. Reply: entries removed, or nil for a missing key. */
const TRIM = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.pcall('XTRIM', KEYS[1], unpack(ARGV))
`;

/** ARGV: group id mkstream(0|1) entries-read|''. Reply: the new group's XINFO GROUPS row. */
const GROUP_CREATE = `
local args = { 'XGROUP', 'CREATE', KEYS[1], ARGV[1], ARGV[2] }
if ARGV[3] == '1' then args[#args + 1] = 'MKSTREAM' end
if ARGV[4] ~= '' then args[#args + 1] = 'ENTRIESREAD'; args[#args + 1] = ARGV[4] end
local r = redis.pcall(unpack(args))
if failed(r) then return r end
return group_row(KEYS[1], ARGV[1])
`;

/** ARGV: group id entries-read|''. Reply: the group's XINFO GROUPS row after the change. */
const GROUP_SETID = `
local args = { 'XGROUP', 'SETID', KEYS[1], ARGV[1], ARGV[2] }
if ARGV[3] ~= '' then args[#args + 1] = 'ENTRIESREAD'; args[#args + 1] = ARGV[3] end
local r = redis.pcall(unpack(args))
if failed(r) then return r end
return group_row(KEYS[1], ARGV[1])
`;

/**
 * ARGV: group consumer. Reply: the pending count the consumer had, or nil
 * when there was none (CREATECONSUMER answers 1 for a consumer that was not
 * there; it is removed again in the same step).
 */
const DELETE_CONSUMER = `
local created = redis.pcall('XGROUP', 'CREATECONSUMER', KEYS[1], ARGV[1], ARGV[2])
if failed(created) then return created end
local pending = redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
if created == 1 then return false end
return pending
`;

/** ARGV: group (a probe that the group exists) then the IDs. Reply: XACK's count, or nil for a missing key or group. */
const ACK = `
local probe = redis.pcall('XPENDING', KEYS[1], ARGV[1], '-', '+', 0)
if failed(probe) then
  if string.sub(probe.err, 1, 8) == 'NOGROUP ' then return false end
  return probe
end
-- unpack() is bounded by Lua's C stack (about 8,000 values): ack in chunks.
local acked = 0
for first = 2, #ARGV, CHUNK do
  acked = acked + redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, first, math.min(first + CHUNK - 1, #ARGV)))
end
return acked
`;

/** ARGV: XPENDING's arguments after the key. */
const PENDING = `
local r = redis.pcall('XPENDING', KEYS[1], unpack(ARGV))
if failed(r) then return nostream_or(KEYS[1], r) end
return r
`;

/**
 * ARGV: justid(0|1) group consumer min-idle max-consumers|'' bytes|'' entries|'' taken needs-memory(0|1) nids id... option...
 * XCLAIM in chunks of IDs (unpack's bound), each with the same options; an ID
 * listed twice is claimed as XCLAIM would claim it twice in one call. With a
 * budget (not JUSTID) each ID is claimed on its own, after a peek: the first
 * entry XCLAIM would take (pending and idle enough, or FORCE) that does not
 * fit ends the claim, and it and the IDs after it are left as they are.
 * Reply: { id, fields, delivery-count|nil } per claimed entry (JUSTID: the
 * fields read back, no count).
 */
const CLAIM = `
local key = KEYS[1]
local group, consumer = ARGV[2], ARGV[3]
local nids = tonumber(ARGV[10])
local first_id, last_id = 11, 10 + nids
local options = {}
local force = false
for i = last_id + 1, #ARGV do
  options[#options + 1] = ARGV[i]
  if ARGV[i] == 'FORCE' then force = true end
end
local b = nil
if ARGV[1] ~= '1' then b = budget_of(ARGV[6], ARGV[7], ARGV[8]) end
local refused = claim_refused(key, group, consumer, ARGV[5], ARGV[9])
if refused then return refused end
local function xclaim(from, to)
  local args = { 'XCLAIM', key, group, consumer, ARGV[4] }
  for i = from, to do args[#args + 1] = ARGV[i] end
  for _, o in ipairs(options) do args[#args + 1] = o end
  return redis.pcall(unpack(args))
end
local r = {}
if b then
  local minidle = tonumber(ARGV[4])
  local seen = {}
  for i = first_id, last_id do
    if spent(b) then break end
    local id = ARGV[i]
    if not seen[id] then
      local e = redis.call('XRANGE', key, id, id)
      if e[1] ~= nil then
        local p = redis.call('XPENDING', key, group, id, id, 1)
        local claimable = force
        if p[1] ~= nil then claimable = minidle <= 0 or tonumber(p[1][3]) >= minidle end
        if claimable and not spend(b, e[1][2]) then break end
      end
    end
    local part = xclaim(i, i)
    if failed(part) then return nostream_or(key, part) end
    for _, c in ipairs(part) do r[#r + 1] = c; seen[c[1]] = true end
  end
else
  for first = first_id, last_id, CHUNK do
    local part = xclaim(first, math.min(first + CHUNK - 1, last_id))
    if failed(part) then return nostream_or(key, part) end
    for _, e in ipairs(part) do r[#r + 1] = e end
  end
end
-- Refused under maxmemory (OOM); the claim stands and XCLAIM made the consumer when it claimed anything.
redis.pcall('XGROUP', 'CREATECONSUMER', key, group, consumer)
local out = {}
for i, e in ipairs(r) do
  if ARGV[1] == '1' then
    local entry = redis.call('XRANGE', key, e, e)
    out[i] = { e, (entry[1] and entry[1][2]) or false, false }
  else
    local p = redis.call('XPENDING', key, group, e[1], e[1], 1)
    out[i] = { e[1], e[2], p[1][4] }
  end
end
return out
`;

/**
 * ARGV: justid(0|1) group consumer min-idle start count max-consumers|'' bytes|'' entries|'' taken needs-memory(0|1).
 * With a budget (not JUSTID) XAUTOCLAIM is done here step by step, as Redis does it: the PEL from
 * start in pages (XPENDING), at most count * 10 entries looked at; a deleted entry is dropped
 * (XACK) and counts against count; an entry idle at least min-idle is claimed (XCLAIM, count +1)
 * while it fits; the first that does not fit is the next cursor, and is left as it is.
 * Reply: { next-start, { {id, fields, count}... }, deleted-ids } (JUSTID: the fields read back, the count as it was).
 */
const AUTOCLAIM = `
local key = KEYS[1]
local group, consumer = ARGV[2], ARGV[3]
local b = nil
if ARGV[1] ~= '1' then b = budget_of(ARGV[8], ARGV[9], ARGV[10]) end
local refused = claim_refused(key, group, consumer, ARGV[7], ARGV[11])
if refused then return refused end
if b then
  local minidle = tonumber(ARGV[4])
  local remaining = tonumber(ARGV[6])
  local attempts = remaining * 10
  local out, deleted = {}, {}
  local nextid = '0-0'
  local from = ARGV[5]
  local done = false
  while not done do
    local want = math.min(attempts + 1, CHUNK)
    local page = redis.call('XPENDING', key, group, from, '+', want)
    for _, p in ipairs(page) do
      local id = p[1]
      if attempts == 0 or remaining == 0 then nextid = id; done = true; break end
      attempts = attempts - 1
      local e = redis.call('XRANGE', key, id, id)
      if e[1] == nil then
        redis.call('XACK', key, group, id)
        deleted[#deleted + 1] = id
        remaining = remaining - 1
      elseif minidle <= 0 or tonumber(p[3]) >= minidle then
        if not spend(b, e[1][2]) then nextid = id; done = true; break end
        local c = redis.call('XCLAIM', key, group, consumer, 0, id)
        out[#out + 1] = { id, c[1][2], tonumber(p[4]) + 1 }
        remaining = remaining - 1
      end
    end
    if not done then
      if #page < want or page[#page][1] == MAXID then break end
      from = '(' .. page[#page][1]
    end
  end
  redis.pcall('XGROUP', 'CREATECONSUMER', key, group, consumer)
  return { nextid, out, deleted }
end
local args = { 'XAUTOCLAIM', key, group, consumer, ARGV[4], ARGV[5], 'COUNT', ARGV[6] }
if ARGV[1] == '1' then args[#args + 1] = 'JUSTID' end
local r = redis.pcall(unpack(args))
if failed(r) then return nostream_or(key, r) end
redis.pcall('XGROUP', 'CREATECONSUMER', key, group, consumer)
local out = {}
for i, e in ipairs(r[2]) do
  if ARGV[1] == '1' then
    local entry = redis.call('XRANGE', key, e, e)
    local p = redis.call('XPENDING', key, group, e, e, 1)
    out[i] = { e, (entry[1] and entry[1][2]) or false, p[1][4] }
  else
    local p = redis.call('XPENDING', key, group, e[1], e[1], 1)
    out[i] = { e[1], e[2], p[1][4] }
  end
end
return { r[1], out, r[3] or {} }
`;

/**
 * XINFO STREAM key FULL COUNT n within a reply's budget. ARGV: count (0: all) bytes|'' entries|'' taken.
 * The entries that fit (k) are counted first (XRANGE in chunks) and FULL is asked for k. COUNT also
 * bounds each group's and consumer's PEL list, so a list cut below n by that is read again with
 * XPENDING ... n (delivery time = now - idle).
 */
const INFO_FULL = `
local key = KEYS[1]
local b = budget_of(ARGV[2], ARGV[3], ARGV[4])
local count = tonumber(ARGV[1])
local k = count
if b then
  local fit = budget_range('XRANGE', key, '-', '+', count > 0 and count or nil, b)
  if fit ~= nil and #fit > 0 then k = #fit end
end
local info = redis.pcall('XINFO', 'STREAM', key, 'FULL', 'COUNT', k)
if failed(info) or k == count then return info end
local function set(reply, name, value)
  for i = 1, #reply, 2 do if reply[i] == name then reply[i + 1] = value end end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for _, g in ipairs(field(info, 'groups')) do
  local name = field(g, 'name')
  local held = tonumber(field(g, 'pel-count'))
  local want = count > 0 and math.min(count, held) or held
  if want > k then
    local list = {}
    for i, p in ipairs(redis.call('XPENDING', key, name, '-', '+', want)) do list[i] = { p[1], p[2], now - p[3], p[4] } end
    set(g, 'pending', list)
    for _, c in ipairs(field(g, 'consumers')) do
      local own = tonumber(field(c, 'pel-count'))
      local cwant = count > 0 and math.min(count, own) or own
      if cwant > k then
        local clist = {}
        for i, p in ipairs(redis.call('XPENDING', key, name, '-', '+', cwant, field(c, 'name'))) do clist[i] = { p[1], now - p[3], p[4] } end
        set(c, 'pending', clist)
      end
    end
  end
end
return info
`;

/**
 * The first step of a read over several streams, on each: ARGV group consumer max-consumers|''.
 * NO_STREAM / NOGROUP, or MAX_CONSUMERS_REACHED for a consumer new to the group; changes nothing
 * (a consumer admitted here is deleted again: the read makes it). Reply: 1.
 */
const PROBE_GROUP = `
local probe = redis.pcall('XPENDING', KEYS[1], ARGV[1], '-', '+', 0)
if failed(probe) then return nostream_or(KEYS[1], probe) end
local refused, created = admit(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
if refused then return refused end
if created then redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2]) end
return 1
`;

/** ARGV: group consumer max-consumers|''. Reply: 1 when the consumer was created, 0 when it was there. */
const CREATE_CONSUMER = `
local refused, created = admit(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
if refused then return refused end
if created ~= nil then return created and 1 or 0 end
return redis.pcall('XGROUP', 'CREATECONSUMER', KEYS[1], ARGV[1], ARGV[2])
`;

/** ARGV: group consumer. Reply: the consumer's pending count (0 when it does not exist). */
const CONSUMER_PENDING = `
local rows = redis.pcall('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
if failed(rows) then
  if rows.err == 'ERR no such key' then return tagged('NO_STREAM', rows.err) end
  return rows
end
for _, row in ipairs(rows) do if field(row, 'name') == ARGV[2] then return field(row, 'pending') end end
return 0
`;

export interface ScriptDefinition {
  numberOfKeys: 1;
  lua: string;
}

const define = (body: string): ScriptDefinition => ({ numberOfKeys: 1, lua: PRELUDE + body });

/** Command names as installed on the client (prefixed so they cannot shadow an ioredis method). */
export const SCRIPTS = {
  sgAddBatch: define(ADD_BATCH),
  sgRange: define(RANGE),
  sgTrim: define(TRIM),
  sgGroupCreate: define(GROUP_CREATE),
  sgGroupSetId: define(GROUP_SETID),
  sgDeleteConsumer: define(DELETE_CONSUMER),
  sgAck: define(ACK),
  sgPending: define(PENDING),
  sgClaim: define(CLAIM),
  sgAutoclaim: define(AUTOCLAIM),
  sgConsumerPending: define(CONSUMER_PENDING),
  sgCreateConsumer: define(CREATE_CONSUMER),
  sgInfoFull: define(INFO_FULL),
  sgProbeGroup: define(PROBE_GROUP),
} as const;

export type ScriptName = keyof typeof SCRIPTS;
