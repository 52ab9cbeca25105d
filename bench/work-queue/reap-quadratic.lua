-- The reaper before issue 21 (commit a8b406f), kept for bench/work-queue.bench.ts to measure against: one LREM per
-- dead item inside one atomic run, quadratic in the processing list.
-- WorkQueueJobs reaper: put items whose lease expired back on the queue, atomically.
-- KEYS[1] pending, KEYS[2] processing, KEYS[3] unleased (zset), KEYS[4] stats; ARGV[1] lease prefix, ARGV[2] grace seconds
local now = tonumber(redis.call('TIME')[1])
local grace = tonumber(ARGV[2])
local held = redis.call('LRANGE', KEYS[2], 0, -1)
local seen = {}
local requeued, leased, waiting = 0, 0, 0
for _, item in ipairs(held) do
  if not seen[item] then
    seen[item] = true
    if redis.call('EXISTS', ARGV[1] .. item) == 1 then
      redis.call('ZREM', KEYS[3], item)
      leased = leased + 1
    else
      local since = redis.call('ZSCORE', KEYS[3], item)
      if not since then
        since = now
        redis.call('ZADD', KEYS[3], now, item)
      end
      if now - tonumber(since) >= grace then
        local removed = redis.call('LREM', KEYS[2], 0, item)
        for _ = 1, removed do
          redis.call('RPUSH', KEYS[1], item)
        end
        redis.call('ZREM', KEYS[3], item)
        requeued = requeued + removed
      else
        waiting = waiting + 1
      end
    end
  end
end
for _, item in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  if not seen[item] then
    redis.call('ZREM', KEYS[3], item)
  end
end
if requeued > 0 then
  redis.call('HINCRBY', KEYS[4], 'requeued', requeued)
end
return 'requeued ' .. requeued .. ', leased ' .. leased .. ', in grace ' .. waiting
