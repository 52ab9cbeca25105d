-- WorkQueueJobs queue: every hand-off of an item is one atomic run of this script (Lua 5.1, Redis 6.2+ / Valkey).
-- KEYS[1] pending (list: seeded with LPUSH, taken from the right)
-- KEYS[2] leased (zset: "<item>\n<worker id>" -> lease deadline, ms: the lease names its owner, so settling it is
--         one ZREM of exactly that member, which fails for anyone else)
-- KEYS[3] attempts (hash: item -> attempts so far)  KEYS[4] delayed (zset: item -> when its retry is due, ms)
-- KEYS[5] dead (list: the dead letters)  KEYS[6] stats (hash of counters)  KEYS[7] seeds (hash: seed run -> items)
-- ARGV[1] op: take | renew | reap | status   ARGV[2] worker id   ARGV[3] lease ms   ARGV[4] max attempts
-- ARGV[5] first retry backoff ms (doubling per attempt)   ARGV[6] longest backoff ms   ARGV[7] most leases reaped
-- and retries made due per run (bounds the run; 0: no reaping)   ARGV[8] seed run or ''   ARGV[9] items to take
-- ARGV[10..] take: settlements, pairs of item and 'done' or 'failed'; renew: the items held.
--
-- take   -> { stale, remaining, wait ms, seed known, item, attempt, item, attempt, ... }: settles the worker's
--           items (a settlement of an item no longer leased to this worker id is stale and changes nothing),
--           reaps up to ARGV[7] expired leases, makes up to ARGV[7] due retries pending, then leases up to ARGV[9]
--           items. When it leases none: remaining = pending + leased + waiting to retry (0: drained), wait = ms
--           until the next retry is due or lease runs out (-1: none), seed known = 1 unless ARGV[8] names a run
--           the seeds hash lacks (the queue lost its data).
-- renew  -> { lost item, ... }: extends the worker's leases; an item leased to someone else (or to no one) is lost.
-- reap   -> { expired, dead-lettered, made due, more }: the reaper's pass, bounded by ARGV[7]; more = 1 when
--           it stopped at the bound (run it again).
-- status -> { name, value, ... }: the lengths and the counters.
-- Every write of many items is one command (unpack), so a run costs a fixed number of commands plus the items' own.
local op = ARGV[1]
local pending, leased, attempts, delayed = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local dead, stats, seeds = KEYS[5], KEYS[6], KEYS[7]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local worker = ARGV[2]
local lease = tonumber(ARGV[3])
local max_attempts = tonumber(ARGV[4])
local backoff = tonumber(ARGV[5])
local backoff_max = tonumber(ARGV[6])
local cap = tonumber(ARGV[7])
local mark = '\n' .. worker

-- Items that will not be handed out again: to the dead letters.
local function bury(items)
  if #items == 0 then return 0 end
  redis.call('RPUSH', dead, unpack(items))
  redis.call('HDEL', attempts, unpack(items))
  redis.call('HINCRBY', stats, 'buried', #items)
  return #items
end

-- Attempts that ended without a result (failed, or the lease ran out): retried after the backoff, or dead-lettered
-- after the last one.
local function retry_or_bury(items)
  if #items == 0 then return 0 end
  local counts = redis.call('HMGET', attempts, unpack(items))
  local last, retry = {}, {}
  for i = 1, #items do
    local n = tonumber(counts[i] or '0')
    if n >= max_attempts then
      last[#last + 1] = items[i]
    else
      local wait = backoff * 2 ^ math.max(n - 1, 0)
      if wait > backoff_max then wait = backoff_max end
      retry[#retry + 1] = now + wait
      retry[#retry + 1] = items[i]
    end
  end
  if #retry > 0 then
    redis.call('ZADD', delayed, unpack(retry))
    redis.call('HINCRBY', stats, 'retried', #retry / 2)
  end
  return bury(last)
end

-- Expired leases, then due retries, each at most `cap` per run (cap 0: neither).
local function reap()
  if cap <= 0 then return 0, 0, 0, 0 end
  local expired = redis.call('ZRANGEBYSCORE', leased, '-inf', now, 'LIMIT', 0, cap)
  local buried = 0
  if #expired > 0 then
    redis.call('ZREM', leased, unpack(expired))
    local items = {}
    for i = 1, #expired do items[i] = string.match(expired[i], '^[^\n]*') end
    buried = retry_or_bury(items)
    redis.call('HINCRBY', stats, 'expired', #expired)
  end
  local due = redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, cap)
  if #due > 0 then
    redis.call('ZREM', delayed, unpack(due))
    -- pushed on the right in reverse, so the retry due first is taken first
    local back = {}
    for i = #due, 1, -1 do back[#back + 1] = due[i] end
    redis.call('RPUSH', pending, unpack(back))
  end
  return #expired, buried, #due, (#expired == cap or #due == cap) and 1 or 0
end

-- Of `items`, the leases this worker holds (as members) and the items it does not hold.
local function mine(items)
  local members = {}
  for i = 1, #items do members[i] = items[i] .. mark end
  if #members == 1 then
    if redis.call('ZSCORE', leased, members[1]) then return members, {} end
    return {}, items
  end
  local scores = redis.call('ZMSCORE', leased, unpack(members))
  local held, lost = {}, {}
  for i = 1, #items do
    if scores[i] then held[#held + 1] = members[i] else lost[#lost + 1] = items[i] end
  end
  return held, lost
end

if op == 'take' then
  local stale = 0
  if #ARGV >= 11 then
    local done, failed = {}, {}
    if #ARGV == 11 then
      -- one settlement (the common hand-off): the ZREM of exactly this worker's lease is the owner check
      if redis.call('ZREM', leased, ARGV[10] .. mark) == 1 then
        if ARGV[11] == 'done' then done[1] = ARGV[10] else failed[1] = ARGV[10] end
      else
        stale = 1
      end
    else
      local items, outcome = {}, {}
      for i = 10, #ARGV - 1, 2 do
        items[#items + 1] = ARGV[i]
        outcome[ARGV[i]] = ARGV[i + 1]
      end
      local held, lost = mine(items)
      stale = #lost
      if #held > 0 then redis.call('ZREM', leased, unpack(held)) end
      for i = 1, #held do
        local item = string.match(held[i], '^[^\n]*')
        if outcome[item] == 'done' then done[#done + 1] = item else failed[#failed + 1] = item end
      end
    end
    if #done > 0 then
      redis.call('HDEL', attempts, unpack(done))
      redis.call('HINCRBY', stats, 'done', #done)
    end
    retry_or_bury(failed)
    if stale > 0 then redis.call('HINCRBY', stats, 'stale', stale) end
  end
  reap()
  local out = { stale, -1, -1, 1 }
  local want = tonumber(ARGV[9])
  local taken = want > 0 and redis.call('RPOP', pending, want) or false
  if taken then
    local deadline = now + lease
    local scores, last = {}, {}
    for i = 1, #taken do
      local item = taken[i]
      local n = redis.call('HINCRBY', attempts, item, 1)
      if n > max_attempts then
        -- pushed back by someone else after its last attempt: bury it, do not hand it out
        last[#last + 1] = item
      else
        scores[#scores + 1] = deadline
        scores[#scores + 1] = item .. mark
        out[#out + 1] = item
        out[#out + 1] = n
      end
    end
    if #scores > 0 then redis.call('ZADD', leased, unpack(scores)) end
    bury(last)
  end
  if #out == 4 then
    out[2] = redis.call('LLEN', pending) + redis.call('ZCARD', leased) + redis.call('ZCARD', delayed)
    local wait = -1
    for _, key in ipairs({ delayed, leased }) do
      local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
      if first[2] then
        local ms = math.max(tonumber(first[2]) - now, 0)
        if wait < 0 or ms < wait then wait = ms end
      end
    end
    out[3] = wait
    if ARGV[8] ~= '' and redis.call('HEXISTS', seeds, ARGV[8]) == 0 then out[4] = 0 end
  end
  return out
elseif op == 'renew' then
  if #ARGV < 10 then return {} end
  local held, lost = mine({ unpack(ARGV, 10) })
  if #held > 0 then
    local scores = {}
    local deadline = now + lease
    for i = 1, #held do
      scores[#scores + 1] = deadline
      scores[#scores + 1] = held[i]
    end
    redis.call('ZADD', leased, 'XX', unpack(scores))
  end
  return lost
elseif op == 'reap' then
  local expired, buried, due, more = reap()
  return { expired, buried, due, more }
elseif op == 'status' then
  local out = {
    'pending', redis.call('LLEN', pending), 'leased', redis.call('ZCARD', leased),
    'delayed', redis.call('ZCARD', delayed), 'dead', redis.call('LLEN', dead),
  }
  local counters = redis.call('HGETALL', stats)
  for i = 1, #counters do out[#out + 1] = counters[i] end
  return out
end
return redis.error_reply('queue.lua: unknown op ' .. tostring(op))
