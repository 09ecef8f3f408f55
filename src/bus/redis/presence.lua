-- Presence: who is connected where, and whose grace period is running.
-- Atomic per call, like queue.lua. ARGV[1] = key prefix, ARGV[2] = op.
--   {p}presence:latest        hash  user -> "owner token|client id" of their latest connection
--   {p}presence:away          zset  user -> grace deadline (ms since the epoch)
--   {p}presence:owners        hash  owner token -> instance id
--   {p}presence:owner:{tok}   set   users whose latest connection that owner holds
--   {p}replica:{id}           heartbeat key; value = the live owner token of `id`

local prefix, op = ARGV[1], ARGV[2]
local LATEST = prefix .. 'presence:latest'
local AWAY = prefix .. 'presence:away'
local OWNERS = prefix .. 'presence:owners'
local function owner_key(token) return prefix .. 'presence:owner:' .. token end

-- The owner token of a "token|client" value.
local function owner_of(v) return string.match(v, '^([^|]*)|') end

if op == 'arrived' then
  local user, owner, client, instance = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  local prev = redis.call('HGET', LATEST, user)
  if prev then redis.call('SREM', owner_key(owner_of(prev)), user) end
  redis.call('HSET', LATEST, user, owner .. '|' .. client)
  redis.call('SADD', owner_key(owner), user)
  redis.call('HSET', OWNERS, owner, instance)
  redis.call('ZREM', AWAY, user)
  return 1

elseif op == 'left' then
  -- Only the person's latest connection starts their grace period: a late
  -- `left` from an older connection (on any replica) changes nothing.
  local user, owner, client, deadline = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  if redis.call('HGET', LATEST, user) ~= owner .. '|' .. client then return 0 end
  redis.call('HDEL', LATEST, user)
  redis.call('SREM', owner_key(owner), user)
  redis.call('ZADD', AWAY, deadline, user)
  return 1

elseif op == 'due' then
  -- Hands each person whose grace ran out to exactly one caller.
  local now, limit = ARGV[3], tonumber(ARGV[4])
  local due = redis.call('ZRANGEBYSCORE', AWAY, '-inf', now, 'LIMIT', 0, limit)
  if #due > 0 then redis.call('ZREM', AWAY, unpack(due)) end
  return due

elseif op == 'purge' then
  -- People whose latest connection was on a dead replica never said
  -- `left`: start their grace period now (owners.lua).
  local deadline = ARGV[3]
  local moved = purge_dead_owners(prefix, OWNERS, owner_key, function(user, token)
    local v = redis.call('HGET', LATEST, user)
    if v and owner_of(v) == token then
      redis.call('HDEL', LATEST, user)
      redis.call('ZADD', AWAY, deadline, user)
      return 1
    end
    return 0
  end)
  return moved
end
return redis.error_reply('unknown presence op ' .. tostring(op))
