-- WorkQueueJobs queue: every hand-off of an item is one atomic run of this script (Lua 5.1, Redis 6.2+ / Valkey).
-- KEYS[1] pending (list: seeded with LPUSH, taken from the right)  KEYS[2] leased (zset: item -> lease deadline, ms)
-- KEYS[3] owners (hash: item -> worker id)  KEYS[4] attempts (hash: item -> attempts so far)
-- KEYS[5] delayed (zset: item -> when its retry is due, ms)  KEYS[6] dead (list: the dead letters)
-- KEYS[7] stats (hash of counters)  KEYS[8] seeds (hash: seed run -> items pushed)
-- ARGV[1] op: take | renew | reap | status   ARGV[2] worker id   ARGV[3] lease ms   ARGV[4] max attempts
-- ARGV[5] first retry backoff ms (doubling per attempt)   ARGV[6] longest backoff ms   ARGV[7] most leases reaped
-- and retries made due per run (bounds the run)   ARGV[8] seed run or ''   ARGV[9] items to take (take)
-- ARGV[10..] take: settlements, pairs of item and 'done' or 'failed'; renew: the items held.
--
-- take   -> { stale, remaining, wait ms, seed known, item, attempt, item, attempt, ... }: settles the worker's
--           items (a settlement of an item no longer leased to it is stale and changes nothing), reaps up to
--           ARGV[7] expired leases, makes up to ARGV[7] due retries pending, then leases up to ARGV[9] items.
--           When it leases none: remaining = pending + leased + waiting to retry (0: drained), wait = ms until
--           the next retry is due or lease runs out (-1: none), seed known = 1 unless ARGV[8] names a run the
--           seeds hash lacks (the queue lost its data).
-- renew  -> { lost item, ... }: extends the worker's leases; an item leased to someone else (or to no one) is lost.
-- reap   -> { expired, dead-lettered, made due, more }: the reaper's pass, bounded by ARGV[7]; more = 1 when
--           it stopped at the bound (run it again).
-- status -> { name, value, ... }: the lengths and the counters.
local op = ARGV[1]
local pending, leased, owners, attempts = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local delayed, dead, stats, seeds = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local worker = ARGV[2]
local lease = tonumber(ARGV[3])
local max_attempts = tonumber(ARGV[4])
local backoff = tonumber(ARGV[5])
local backoff_max = tonumber(ARGV[6])
local cap = tonumber(ARGV[7])

-- An attempt ended without a result (failed, or its lease ran out): retry later, or dead-letter it.
local function retry_or_bury(item)
  local n = tonumber(redis.call('HGET', attempts, item) or '0')
  if n >= max_attempts then
    redis.call('RPUSH', dead, item)
    redis.call('HDEL', attempts, item)
    redis.call('HINCRBY', stats, 'buried', 1)
    return 1
  end
  local wait = backoff * 2 ^ math.max(n - 1, 0)
  if wait > backoff_max then wait = backoff_max end
  redis.call('ZADD', delayed, now + wait, item)
  redis.call('HINCRBY', stats, 'retried', 1)
  return 0
end

-- Expired leases, then due retries, each at most `cap` per run.
local function reap()
  local expired = redis.call('ZRANGEBYSCORE', leased, '-inf', now, 'LIMIT', 0, cap)
  local buried = 0
  for i = 1, #expired do
    local item = expired[i]
    redis.call('ZREM', leased, item)
    redis.call('HDEL', owners, item)
    buried = buried + retry_or_bury(item)
  end
  if #expired > 0 then redis.call('HINCRBY', stats, 'expired', #expired) end
  local due = redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, cap)
  -- pushed on the right in reverse, so the retry due first is taken first
  for i = #due, 1, -1 do
    redis.call('ZREM', delayed, due[i])
    redis.call('RPUSH', pending, due[i])
  end
  return #expired, buried, #due, (#expired == cap or #due == cap) and 1 or 0
end

if op == 'take' then
  local stale, done = 0, 0
  for i = 10, #ARGV - 1, 2 do
    local item = ARGV[i]
    if redis.call('HGET', owners, item) == worker then
      redis.call('ZREM', leased, item)
      redis.call('HDEL', owners, item)
      if ARGV[i + 1] == 'done' then
        redis.call('HDEL', attempts, item)
        done = done + 1
      else
        retry_or_bury(item)
      end
    else
      stale = stale + 1
    end
  end
  if done > 0 then redis.call('HINCRBY', stats, 'done', done) end
  if stale > 0 then redis.call('HINCRBY', stats, 'stale', stale) end
  reap()
  local out = { stale, -1, -1, 1 }
  local want = tonumber(ARGV[9])
  local taken = want > 0 and redis.call('RPOP', pending, want) or false
  if taken then
    local deadline = now + lease
    for i = 1, #taken do
      local item = taken[i]
      local n = redis.call('HINCRBY', attempts, item, 1)
      if n > max_attempts then
        -- pushed back by someone else after its last attempt: bury it, do not hand it out
        redis.call('RPUSH', dead, item)
        redis.call('HDEL', attempts, item)
        redis.call('HINCRBY', stats, 'buried', 1)
      else
        redis.call('ZADD', leased, deadline, item)
        redis.call('HSET', owners, item, worker)
        out[#out + 1] = item
        out[#out + 1] = n
      end
    end
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
  local lost = {}
  local deadline = now + lease
  for i = 10, #ARGV do
    local item = ARGV[i]
    if redis.call('HGET', owners, item) == worker then
      redis.call('ZADD', leased, 'XX', deadline, item)
    else
      lost[#lost + 1] = item
    end
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
