-- WorkQueueJobs seeder: push every item once per seed run, atomically.
-- KEYS[1] pending list, KEYS[2] seeds hash; ARGV[1] run id, ARGV[2] expected count, ARGV[3] items (one per line)
local done = redis.call('HGET', KEYS[2], ARGV[1])
if done then
  return 'run ' .. ARGV[1] .. ' already seeded (' .. done .. ' items): nothing pushed'
end
local items = {}
for item in string.gmatch(ARGV[3], '[^\n]+') do
  items[#items + 1] = item
end
if #items ~= tonumber(ARGV[2]) then
  return redis.error_reply('run ' .. ARGV[1] .. ': the items file holds ' .. #items .. ' items, expected ' .. ARGV[2])
end
for i = 1, #items, 1000 do
  redis.call('LPUSH', KEYS[1], unpack(items, i, math.min(i + 999, #items)))
end
redis.call('HSET', KEYS[2], ARGV[1], #items)
return 'run ' .. ARGV[1] .. ' seeded: ' .. #items .. ' items pushed'
