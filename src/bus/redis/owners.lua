-- The dead-owner purge, written once and prepended to queue.lua and
-- presence.lua (the Rust side concatenates the sources).
--
-- An owner is one process run (an incarnation token) of a replica. `owners`
-- is a hash token -> instance id; `owner_key(token)` names the set of people
-- that owner holds. An owner is dead when `{prefix}replica:{instance}` (the
-- heartbeat) no longer holds its token: expired, or the instance restarted
-- under the same id. For each person of a dead owner `drop(user, token)`
-- acts (it checks the person still belongs to that owner) and returns 1 if
-- it did something, 0 if not; then the owner is forgotten. Returns how many
-- people were dropped. Costs O(owners) when everyone is alive.
local function purge_dead_owners(prefix, owners, owner_key, drop)
  local dropped = 0
  local all = redis.call('HGETALL', owners)
  for i = 1, #all, 2 do
    local token, instance = all[i], all[i + 1]
    if redis.call('GET', prefix .. 'replica:' .. instance) ~= token then
      for _, user in ipairs(redis.call('SMEMBERS', owner_key(token))) do
        dropped = dropped + drop(user, token)
      end
      redis.call('DEL', owner_key(token))
      redis.call('HDEL', owners, token)
    end
  end
  return dropped
end

