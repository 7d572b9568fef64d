/**
 * The Lua scripts of delivery policies on Redis (issue 14). Each runs over one
 * stream key and its companion keys (policy-keys.ts), all in one slot, so each
 * is one atomic step on the node holding the stream. Group scripts take KEYS
 * stream, policy hash, T (deadlines), O (overdue), R (nacked), X (doomed).
 *
 * Redis 7 cannot hold a pending entry without an owner (XNACK is Redis 8.8's),
 * so an entry the policy takes back is owned by the reserved consumer
 * RELEASED_OWNER: reads never hand its name out (XPENDING shows null, consumer
 * lists leave it out, the group's consumer count does not count it), no client
 * may read or claim under it, and it is deleted when it holds nothing.
 *
 * Every check of an entry is made against the PEL in the same script (XPENDING
 * id id 1: owner and count), so a member left behind by an ack from another
 * Redis client (redis-cli XACK), or a move another replica made first, is
 * dropped there and nothing else happens: two replicas racing on one entry,
 * one moves it and the other does nothing.
 */
import { PRELUDE, RELEASED_OWNER } from './scripts.js';

/** The owner of entries taken back by a policy (see above). */
export { RELEASED_OWNER };

/** How long a dead letter bound for another Cluster slot is leased to the replica moving it (see DUE). */
export const DEAD_LETTER_LEASE_MS = 30_000;

const POLICY_PRELUDE = `${PRELUDE}
local RES = '${RELEASED_OWNER}'
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- The entry's owner and delivery count, or nil when it is not pending.
local function pel_entry(key, group, id)
  local p = redis.call('XPENDING', key, group, id, id, 1)
  if p[1] == nil then return nil end
  return p[1][2], tonumber(p[1][4])
end
local function unplace(k, id)
  redis.call('ZREM', k[3], id); redis.call('ZREM', k[4], id); redis.call('ZREM', k[5], id); redis.call('ZREM', k[6], id)
end
-- The released owner is deleted once it holds nothing (XPENDING ... 1 consumer: the first of its own PEL).
local function tidy_released(key, group)
  local left = redis.call('XPENDING', key, group, '-', '+', 1, RES)
  if #left == 0 then redis.call('XGROUP', 'DELCONSUMER', key, group, RES) end
end
local function doomed(policy, count) return policy.maxDeliveries ~= nil and count >= policy.maxDeliveries end
local function first_after(z, now)
  local r = redis.call('ZRANGEBYSCORE', z, '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if r[1] == nil then return false end
  return tonumber(r[2])
end
local function min_time(a, b)
  if not a then return b end
  if not b then return a end
  if b < a then return b end
  return a
end
`;

/**
 * XREADGROUP without BLOCK in a group that may have a policy.
 * ARGV: group consumer from(>|id) count|'' noack(0|1) limit-without-count max-consumers|''
 * then the reply's budget: bytes|'' entries|'' taken.
 * A consumer new to the group is admitted first (MAX_CONSUMERS_PER_GROUP), before anything changes.
 * A \`>\` read in a group with a policy first takes due entries (NOACK does not apply to them):
 * nacked ones whose delay passed (R, by due time), then those taken back at
 * their deadline (O), then owned ones past it that no timer took back yet
 * (T): each XCLAIMed to the reader (count +1), as XREADGROUP CLAIM does; an
 * entry at maxDeliveries is never handed out but moved to X, due now, for the
 * timer's dead-letter step. Then XREADGROUP > for the rest of COUNT. Every
 * delivery gets its deadline in T when the policy has ackDeadlineMs.
 * With a budget every entry is weighed before it is delivered: a due entry that does not fit stays
 * due; the new entries XREADGROUP > would deliver (after the group's last-delivered-id) are read
 * with XRANGE first and only the k that fit are delivered (XREADGROUP COUNT k); a history read
 * takes the consumer's pending entries in chunks up to the first that does not fit.
 * Reply: { entries, counts, deadline|false, redelivered, policy-json|false, doomed-moved }.
 */
const READ = `
local key, group, consumer, from = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local k = KEYS
local b = budget_of(ARGV[8], ARGV[9], ARGV[10])
local refused = admit(key, group, consumer, ARGV[7])
if refused then return refused end
local pj = redis.call('HGET', k[2], group)
local policy = pj and cjson.decode(pj) or nil
if policy then
  -- The deadlines and due sets need ZADD, which maxmemory refuses (OOM): refused here, before anything is
  -- delivered (ZADD XX of a member no set holds changes nothing).
  local oom = redis.pcall('ZADD', k[3], 'XX', 0, '')
  if failed(oom) then return oom end
end
local noack = ARGV[5] == '1'
local limit = tonumber(ARGV[4]) or tonumber(ARGV[6])
local taken, counts, redelivered, moved = {}, {}, 0, 0
local now = 0
-- A budget spent by the streams before this one: nothing is delivered here (the consumer is still made).
local full = b ~= nil and spent(b)
if policy and from == '>' then
  local probe = redis.pcall('XPENDING', key, group, '-', '+', 0)
  if failed(probe) then return nostream_or(key, probe) end
  now = now_ms()
  local fromReleased = false
  local sources = { { k[5], now, true }, { k[4], '+inf', true }, { k[3], now, false } }
  for _, source in ipairs(sources) do
    local z, upto, released = source[1], source[2], source[3]
    while #taken < limit and not full do
      local ids = redis.call('ZRANGEBYSCORE', z, '-inf', upto, 'LIMIT', 0, limit - #taken)
      if #ids == 0 then break end
      for _, id in ipairs(ids) do
        local owner, n = pel_entry(key, group, id)
        local valid = owner ~= nil and (owner == RES) == released
        if valid and b and not doomed(policy, n) then
          local entry = redis.call('XRANGE', key, id, id)
          if entry[1] ~= nil and not spend(b, entry[1][2]) then full = true; break end
        end
        redis.call('ZREM', z, id)
        if valid then
          if doomed(policy, n) then
            if not released then redis.call('XCLAIM', key, group, RES, 0, id, 'JUSTID') end
            redis.call('ZADD', k[6], now, id)
            moved = moved + 1
          else
            local claimed = redis.call('XCLAIM', key, group, consumer, 0, id)
            if claimed[1] ~= nil then
              taken[#taken + 1] = claimed[1]
              counts[#counts + 1] = n + 1
              if z ~= k[5] then redelivered = redelivered + 1 end
            end
            if released then fromReleased = true end
          end
        end
      end
    end
  end
  if fromReleased or moved > 0 then tidy_released(key, group) end
end
local rest = ''
if ARGV[4] ~= '' then rest = tostring(tonumber(ARGV[4]) - #taken) end
if b and (full or spent(b)) then rest = '0' end
local entries = taken
local history = from ~= '>'
if rest ~= '0' and b and not history then
  -- The entries XREADGROUP > delivers: those after last-delivered-id, in order; deleted ones are not there.
  local rows = redis.pcall('XINFO', 'GROUPS', key)
  if not failed(rows) then
    for _, row in ipairs(rows) do
      if field(row, 'name') == group then
        local last = field(row, 'last-delivered-id')
        local fit = {}
        if last ~= MAXID then
          local err
          fit, err = budget_range('XRANGE', key, '(' .. last, '+', tonumber(rest), b)
          if fit == nil then return err end
        end
        rest = tostring(#fit)
      end
    end
  end
elseif rest ~= '0' and b then
  -- The pending entries a history read returns (and bumps): this consumer's after from, weighed first.
  local fit, cursor, chunk = 0, '(' .. from, FIRST_CHUNK
  local want_all = tonumber(rest)
  while true do
    local want = chunk
    if want_all then want = math.min(want, want_all - fit) end
    if want <= 0 then break end
    local page = redis.pcall('XPENDING', key, group, cursor, '+', want, consumer)
    -- No key or group: XREADGROUP below raises the error in its own words.
    if failed(page) then fit = 1; break end
    local stop = false
    for _, p in ipairs(page) do
      local e = redis.call('XRANGE', key, p[1], p[1])
      if not spend(b, e[1] and e[1][2]) then stop = true; break end
      fit = fit + 1
    end
    if stop or spent(b) or #page < want or page[#page][1] == MAXID then break end
    cursor = '(' .. page[#page][1]
    chunk = math.min(chunk * 2, CHUNK)
  end
  rest = tostring(fit)
  if fit == 0 then rest = '0' end
end
if rest ~= '0' then
  local args = { 'XREADGROUP', 'GROUP', group, consumer }
  if rest ~= '' then args[#args + 1] = 'COUNT'; args[#args + 1] = rest end
  if noack then args[#args + 1] = 'NOACK' end
  args[#args + 1] = 'STREAMS'; args[#args + 1] = key; args[#args + 1] = from
  local r = redis.pcall(unpack(args))
  if failed(r) then return nostream_or(key, r) end
  if r then
    local fresh = r[1][2]
    if history and #fresh > 0 then
      local pending = redis.call('XPENDING', key, group, fresh[1][1], fresh[#fresh][1], #fresh, consumer)
      local byId = {}
      for _, p in ipairs(pending) do byId[p[1]] = p[4] end
      for i, e in ipairs(fresh) do counts[#counts + 1] = (e[2] and byId[e[1]]) or false; entries[#entries + 1] = e end
    else
      for _, e in ipairs(fresh) do entries[#entries + 1] = e; counts[#counts + 1] = (not noack) and 1 or false end
    end
  end
end
-- Refused under maxmemory (OOM): then XREADGROUP, which is not, made the consumer.
redis.pcall('XGROUP', 'CREATECONSUMER', key, group, consumer)
local deadline = false
if policy and policy.ackDeadlineMs and #entries > 0 then
  if now == 0 then now = now_ms() end
  deadline = now + policy.ackDeadlineMs
  for i, e in ipairs(entries) do
    if counts[i] and e[2] then redis.call('ZADD', k[3], deadline, e[1]) end
  end
end
return { entries, counts, deadline, redelivered, pj or false, moved }
`;

/**
 * The timers' step for one group. ARGV: group dead-letter-stream|'' origin-stream limit cross-slot(0|1).
 * KEYS: the group's six, then the dead-letter stream's key (not when cross-slot).
 * Idle consumers (XINFO CONSUMERS idle >= consumerIdleTimeoutMs) give their
 * entries to the released owner (XCLAIM JUSTID: counts unchanged), due now in
 * O (or X at maxDeliveries), and are deleted once they hold nothing; owned
 * entries past their deadline are taken back the same way; due entries of X
 * are appended to the dead-letter stream (the fields, then DEAD_LETTER_FIELDS)
 * and XACKed, all here. Cross-slot (Cluster, the dead-letter stream in
 * another slot): X's due entries are leased instead (score = now + lease) and
 * returned, for the caller to XADD and then confirm with DEAD_LETTER_ACK; a
 * leased entry is not due to anyone else until the lease ends.
 * Reply: { status, taken-back, dead-lettered, expired, next-time|false, readers-due(0|1), { {id, fields, count}... } to move, lease-score, now }.
 */
const DUE = `
local k = KEYS
local key, group = k[1], ARGV[1]
local limit = tonumber(ARGV[4])
local cross = ARGV[5] == '1'
local pj = redis.call('HGET', k[2], group)
if not pj then return { 'none' } end
local policy = cjson.decode(pj)
if (policy.deadLetterStream or '') ~= ARGV[2] then return { 'stale', pj } end
local probe = redis.pcall('XPENDING', key, group, '-', '+', 0)
if failed(probe) then return { 'none' } end
local now = now_ms()
local back, dead, expired = 0, 0, 0
local next_time = false
local function release(id, count, score)
  redis.call('ZREM', k[3], id)
  if doomed(policy, count) then redis.call('ZADD', k[6], now, id) else redis.call('ZADD', k[4], score, id) end
end
if policy.consumerIdleTimeoutMs then
  local timeout = policy.consumerIdleTimeoutMs
  for _, row in ipairs(redis.call('XINFO', 'CONSUMERS', key, group)) do
    local name = field(row, 'name')
    local idle = tonumber(field(row, 'idle'))
    if name ~= RES then
      if idle >= timeout then
        local held = redis.call('XPENDING', key, group, '-', '+', limit, name)
        for _, p in ipairs(held) do
          redis.call('XCLAIM', key, group, RES, 0, p[1], 'JUSTID')
          release(p[1], tonumber(p[4]), now)
        end
        if #held < limit then
          redis.call('XGROUP', 'DELCONSUMER', key, group, name)
          expired = expired + 1
        else
          next_time = now
        end
      else
        next_time = min_time(next_time, now + timeout - idle)
      end
    end
  end
end
local due = redis.call('ZRANGEBYSCORE', k[3], '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit)
for i = 1, #due, 2 do
  local id, score = due[i], tonumber(due[i + 1])
  local owner, n = pel_entry(key, group, id)
  if owner == nil or owner == RES then
    redis.call('ZREM', k[3], id)
  else
    redis.call('XCLAIM', key, group, RES, 0, id, 'JUSTID')
    release(id, n, score)
    back = back + 1
  end
end
if #due == 2 * limit then next_time = now end
local moves = {}
local lease = now + ${DEAD_LETTER_LEASE_MS}
local letters = redis.call('ZRANGEBYSCORE', k[6], '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(letters) do
  local owner, n = pel_entry(key, group, id)
  if owner ~= RES or not policy.deadLetterStream then
    redis.call('ZREM', k[6], id)
  else
    local entry = redis.call('XRANGE', key, id, id)
    if entry[1] == nil then
      redis.call('ZREM', k[6], id)
      redis.call('XACK', key, group, id)
    elseif cross then
      redis.call('ZADD', k[6], lease, id)
      moves[#moves + 1] = { id, entry[1][2], n }
    else
      local args = { 'XADD', k[7], '*' }
      for _, v in ipairs(entry[1][2]) do args[#args + 1] = v end
      args[#args + 1] = 'streamgate-origin-stream'; args[#args + 1] = ARGV[3]
      args[#args + 1] = 'streamgate-origin-id'; args[#args + 1] = id
      args[#args + 1] = 'streamgate-origin-group'; args[#args + 1] = group
      args[#args + 1] = 'streamgate-deliveries'; args[#args + 1] = tostring(n)
      redis.call(unpack(args))
      redis.call('ZREM', k[6], id)
      redis.call('XACK', key, group, id)
      dead = dead + 1
    end
  end
end
if #letters == limit then next_time = now end
if back > 0 or dead > 0 or #moves > 0 then tidy_released(key, group) end
next_time = min_time(next_time, first_after(k[3], now))
next_time = min_time(next_time, first_after(k[6], now))
next_time = min_time(next_time, first_after(k[5], now))
local readers = 0
if back > 0 or expired > 0 or redis.call('ZCOUNT', k[5], '-inf', now) > 0 then readers = 1 end
return { 'ok', back, dead, expired, next_time, readers, moves, tostring(lease), now }
`;

/**
 * The second step of a cross-slot dead-letter move: ARGV group lease-score id...
 * XACKs each entry still leased to this move (its X score is the lease, the
 * released owner holds it). Reply: per ID 1 (acked) or 0 (the lease was lost:
 * the caller deletes the dead letter it added).
 */
const DEAD_LETTER_ACK = `
local k = KEYS
local key, group, lease = k[1], ARGV[1], ARGV[2]
local out = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local score = redis.call('ZSCORE', k[6], id)
  local owner = pel_entry(key, group, id)
  if score ~= false and score ~= nil and tonumber(score) == tonumber(lease) and owner == RES then
    redis.call('ZREM', k[6], id)
    redis.call('XACK', key, group, id)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
tidy_released(key, group)
return out
`;

/**
 * XNACK emulated in a group with a policy. ARGV: group mode(silent|fail|fatal) retry-count|'' force(0|1) delay-ms|'' fatal-count id...
 * Each distinct pending ID (or, with force, an existing entry not pending)
 * goes to the released owner with its new count (XCLAIM TIME 0 RETRYCOUNT n
 * JUSTID [FORCE]: delivered at 0, as XNACK leaves it), due after delay-ms or
 * retryBackoffMs[n-1] (n the count before), in R, or X at maxDeliveries.
 * Reply: { 'nopolicy' } or { released, earliest-due|false }.
 */
const NACK = `
local k = KEYS
local key, group = k[1], ARGV[1]
local probe = redis.pcall('XPENDING', key, group, '-', '+', 0)
if failed(probe) then return nostream_or(key, probe) end
local pj = redis.call('HGET', k[2], group)
if not pj then return { 'nopolicy' } end
local policy = cjson.decode(pj)
local now = now_ms()
local seen, released, earliest = {}, 0, false
for i = 7, #ARGV do
  local id = ARGV[i]
  if not seen[id] then
    local owner, before = pel_entry(key, group, id)
    local exists = owner ~= nil
    if not exists and ARGV[4] == '1' then
      exists = redis.call('XRANGE', key, id, id)[1] ~= nil
      before = 0
    end
    if exists then
      seen[id] = true
      local count = before
      if ARGV[3] ~= '' then count = ARGV[3]
      elseif ARGV[2] == 'silent' then count = math.max(before - 1, 0)
      elseif ARGV[2] == 'fatal' then count = ARGV[6] end
      local args = { 'XCLAIM', key, group, RES, 0, id, 'TIME', 0, 'RETRYCOUNT', count, 'JUSTID' }
      if owner == nil then args[#args + 1] = 'FORCE' end
      redis.call(unpack(args))
      local delay = tonumber(ARGV[5])
      if delay == nil then
        local steps = policy.retryBackoffMs
        if steps == nil or #steps == 0 then delay = 0 else delay = steps[math.min(math.max(before, 1), #steps)] end
      end
      local due = now + delay
      unplace(k, id)
      if doomed(policy, tonumber(count)) then redis.call('ZADD', k[6], due, id) else redis.call('ZADD', k[5], due, id) end
      earliest = min_time(earliest, due)
      released = released + 1
    end
  end
end
return { released, earliest }
`;

/**
 * extend: ARGV group ms id... Each distinct ID pending with a real owner is due ms from now (T).
 * Reply: { 'noackdeadline' } or { extended, deadline }.
 */
const EXTEND = `
local k = KEYS
local key, group = k[1], ARGV[1]
local probe = redis.pcall('XPENDING', key, group, '-', '+', 0)
if failed(probe) then return nostream_or(key, probe) end
local pj = redis.call('HGET', k[2], group)
local policy = pj and cjson.decode(pj) or nil
if not policy or not policy.ackDeadlineMs then return { 'noackdeadline' } end
local deadline = now_ms() + tonumber(ARGV[2])
local seen, extended = {}, 0
for i = 3, #ARGV do
  local id = ARGV[i]
  if not seen[id] then
    seen[id] = true
    local owner = pel_entry(key, group, id)
    if owner ~= nil and owner ~= RES then
      redis.call('ZADD', k[3], deadline, id)
      extended = extended + 1
    end
  end
end
return { extended, deadline }
`;

/**
 * After XCLAIM / XAUTOCLAIM in a group with a policy: ARGV group consumer id...
 * each ID the consumer now holds leaves the released queues and gets its deadline.
 */
const OWNED = `
local k = KEYS
local key, group, consumer = k[1], ARGV[1], ARGV[2]
local pj = redis.call('HGET', k[2], group)
if not pj then return 0 end
local policy = cjson.decode(pj)
local now = now_ms()
for i = 3, #ARGV do
  local owner = pel_entry(key, group, ARGV[i])
  if owner == consumer then
    unplace(k, ARGV[i])
    if policy.ackDeadlineMs then redis.call('ZADD', k[3], now + policy.ackDeadlineMs, ARGV[i]) end
  end
end
tidy_released(key, group)
return 1
`;

/**
 * Group creation with a policy, or a PATCH: ARGV op(create|update) group id|'' mkstream(0|1) entries-read|'' policy-json|''(unchanged)|'null'(remove) scan-count.
 * create: XGROUP CREATE then the policy; update: XGROUP SETID when an ID is
 * given, then the policy. A new policy rebuilds the due times from the PEL
 * (O(PEL), this admin call only): owned entries get last delivery +
 * ackDeadlineMs, released ones keep their place (X or R by their count, due
 * now when they had none). Removing it drops the due sets; released entries
 * stay pending under the released owner.
 * Reply: { the group's XINFO GROUPS row, policy-json|false }.
 */
const GROUP_POLICY = `
local k = KEYS
local key, group = k[1], ARGV[2]
if ARGV[1] == 'create' then
  local args = { 'XGROUP', 'CREATE', key, group, ARGV[3] }
  if ARGV[4] == '1' then args[#args + 1] = 'MKSTREAM' end
  if ARGV[5] ~= '' then args[#args + 1] = 'ENTRIESREAD'; args[#args + 1] = ARGV[5] end
  local r = redis.pcall(unpack(args))
  if failed(r) then return r end
  redis.call('DEL', k[3], k[4], k[5], k[6])
else
  local probe = redis.pcall('XPENDING', key, group, '-', '+', 0)
  if failed(probe) then return nostream_or(key, probe) end
  if ARGV[3] ~= '' then
    local args = { 'XGROUP', 'SETID', key, group, ARGV[3] }
    if ARGV[5] ~= '' then args[#args + 1] = 'ENTRIESREAD'; args[#args + 1] = ARGV[5] end
    local r = redis.pcall(unpack(args))
    if failed(r) then return r end
  end
end
if ARGV[6] == 'null' then
  redis.call('HDEL', k[2], group)
  redis.call('DEL', k[3], k[4], k[5], k[6])
elseif ARGV[6] ~= '' then
  redis.call('HSET', k[2], group, ARGV[6])
  local policy = cjson.decode(ARGV[6])
  redis.call('DEL', k[3])
  local now = now_ms()
  local start = '-'
  local step = tonumber(ARGV[7])
  while true do
    local page = redis.call('XPENDING', key, group, start, '+', step)
    for _, p in ipairs(page) do
      local id, owner, idle, count = p[1], p[2], tonumber(p[3]), tonumber(p[4])
      if owner ~= RES then
        if policy.ackDeadlineMs then redis.call('ZADD', k[3], now - idle + policy.ackDeadlineMs, id) end
      else
        local due = redis.call('ZSCORE', k[5], id) or redis.call('ZSCORE', k[6], id)
        local overdue = redis.call('ZSCORE', k[4], id)
        redis.call('ZREM', k[5], id); redis.call('ZREM', k[6], id)
        if doomed(policy, count) then
          redis.call('ZREM', k[4], id)
          redis.call('ZADD', k[6], due or overdue or now, id)
        elseif not overdue then
          redis.call('ZADD', k[5], due or now, id)
        end
      end
    end
    if #page < step then break end
    start = '(' .. page[#page][1]
  end
end
return { group_row(key, group), redis.call('HGET', k[2], group) or false }
`;

/**
 * XINFO GROUPS with each group's policy; a group whose released owner exists
 * counts one consumer less. KEYS: stream, policy hash. Reply: { rows, policies (HGETALL) }.
 */
const GROUPS = `
local rows = redis.pcall('XINFO', 'GROUPS', KEYS[1])
if failed(rows) then return rows end
local policies = redis.call('HGETALL', KEYS[2])
if #policies > 0 then
  for _, row in ipairs(rows) do
    local name = field(row, 'name')
    if redis.call('HEXISTS', KEYS[2], name) == 1 then
      local held = redis.call('XPENDING', KEYS[1], name, '-', '+', 1, RES)
      if #held > 0 then
        for i = 1, #row, 2 do if row[i] == 'consumers' then row[i + 1] = row[i + 1] - 1 end end
      end
    end
  end
end
return { rows, policies }
`;

/** XGROUP DESTROY with the group's policy and due sets. Reply: XGROUP DESTROY's. */
const GROUP_DESTROY = `
local r = redis.pcall('XGROUP', 'DESTROY', KEYS[1], ARGV[1])
if failed(r) then return r end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return r
`;

/**
 * DEL of a stream with its policies: KEYS stream, policy hash; ARGV the companion base.
 * The due sets' names are built here from the base (policy-keys.ts), all in the stream's slot.
 */
const STREAM_DELETE = `
local deleted = redis.call('DEL', KEYS[1])
for _, group in ipairs(redis.call('HKEYS', KEYS[2])) do
  local due = ARGV[1] .. 'due:' .. group .. ':'
  redis.call('DEL', due .. 'T', due .. 'O', due .. 'R', due .. 'X')
end
redis.call('DEL', KEYS[2])
return deleted
`;

/**
 * Redrive: KEYS dead-letter stream, then the origin streams; ARGV per move: id origin-index nfields field...
 * Each dead letter still there whose origin stream exists is XADDed there (\`*\`, the original fields)
 * and XDELed. Reply: how many moved.
 */
const REDRIVE = `
local moved = 0
local pos = 1
while pos <= #ARGV do
  local id, origin, n = ARGV[pos], KEYS[tonumber(ARGV[pos + 1])], tonumber(ARGV[pos + 2])
  if redis.call('XRANGE', KEYS[1], id, id)[1] ~= nil and redis.call('EXISTS', origin) == 1 then
    local args = { 'XADD', origin, '*' }
    for j = 1, n do args[#args + 1] = ARGV[pos + 2 + j] end
    redis.call(unpack(args))
    redis.call('XDEL', KEYS[1], id)
    moved = moved + 1
  end
  pos = pos + 3 + n
end
return moved
`;

export interface PolicyScriptDefinition {
  numberOfKeys: number;
  lua: string;
}

const define = (numberOfKeys: number, body: string): PolicyScriptDefinition => ({ numberOfKeys, lua: POLICY_PRELUDE + body });

/** Installed beside SCRIPTS (connection.ts); KEYS counts as the scripts take them. */
export const POLICY_SCRIPTS = {
  sgPolicyRead: define(6, READ),
  sgPolicyDue: define(6, DUE),
  sgPolicyDueLocal: define(7, DUE),
  sgPolicyDeadLetterAck: define(6, DEAD_LETTER_ACK),
  sgPolicyNack: define(6, NACK),
  sgPolicyExtend: define(6, EXTEND),
  sgPolicyOwned: define(6, OWNED),
  sgGroupPolicy: define(6, GROUP_POLICY),
  sgGroupsWithPolicy: define(2, GROUPS),
  sgGroupDestroy: define(6, GROUP_DESTROY),
  sgStreamDelete: define(2, STREAM_DELETE),
} as const;

export type PolicyScriptName = keyof typeof POLICY_SCRIPTS;

/** Redrive takes a varying number of keys: installed with numberOfKeys left to the call. */
export const REDRIVE_SCRIPT = { lua: REDRIVE };
