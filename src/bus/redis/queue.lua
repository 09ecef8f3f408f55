-- The global search queue. Runs atomically inside Redis: no other command
-- (and no other replica's script) interleaves with one call, which is what
-- makes "pair with the oldest compatible person, or enqueue" a single step.
--
-- ARGV[1] = key prefix, ARGV[2] = operation, then the operation's arguments.
-- Key layout (documented in keys.rs):
--   {p}queue              zset  user -> ticket, everyone waiting (FIFO by score)
--   {p}queue:nolang       zset  the same, people without a language
--   {p}queue:lang:{lang}  zset  the same, people with language `lang`
--   {p}queue:entries      hash  user -> {"lang": "" | lang, "owner": token}
--   {p}queue:ticket       counter for tail tickets
--   {p}queue:owners       hash  owner token -> instance id
--   {p}queue:owner:{tok}  set   users queued by that owner
--   {p}queue:popped:{u}   string, TTL: entry a pairing just popped
--   {p}replica:{id}       heartbeat key; value = the live owner token of `id`
--   {p}replicas           set   instance ids that announced themselves
-- Per-language and per-owner names are built here, so this script needs a
-- standalone Redis (or a single hash slot); it never touches other keys.

local prefix, op = ARGV[1], ARGV[2]
local ALL = prefix .. 'queue'
local NOLANG = prefix .. 'queue:nolang'
local ENTRIES = prefix .. 'queue:entries'
local TICKET = prefix .. 'queue:ticket'
local OWNERS = prefix .. 'queue:owners'

local function lang_key(lang)
  if lang == '' then return NOLANG end
  return prefix .. 'queue:lang:' .. lang
end

local function owner_key(token)
  return prefix .. 'queue:owner:' .. token
end

-- What a pairing popped, kept briefly: the Matcher requeues within one
-- store call, so a minute is plenty.
local RECEIPT_TTL_MS = 60000
local function receipt_key(user)
  return prefix .. 'queue:popped:' .. user
end

-- Oldest member of a zset and its score, or nil.
local function oldest(key)
  local r = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #r == 0 then return nil, nil end
  return r[1], tonumber(r[2])
end

-- Removes `user` from every index; returns their entry, or nil.
local function remove(user)
  local v = redis.call('HGET', ENTRIES, user)
  if not v then return nil end
  local e = cjson.decode(v)
  redis.call('ZREM', ALL, user)
  redis.call('ZREM', lang_key(e.lang), user)
  redis.call('HDEL', ENTRIES, user)
  redis.call('SREM', owner_key(e.owner), user)
  return e
end

local function add(user, lang, owner, instance, score)
  redis.call('ZADD', ALL, score, user)
  redis.call('ZADD', lang_key(lang), score, user)
  redis.call('HSET', ENTRIES, user, cjson.encode({ lang = lang, owner = owner }))
  redis.call('SADD', owner_key(owner), user)
  -- Recorded with every entry, so the purge knows whose liveness to check
  -- even if this owner's heartbeat never reached Redis.
  redis.call('HSET', OWNERS, owner, instance)
end

-- If `user` is queued already, keeps their place and hands the entry to
-- `owner`: whoever joined last serves the person now (they may have moved
-- from a replica that died, whose purge must not take them along).
local function adopt(user, owner, instance)
  local v = redis.call('HGET', ENTRIES, user)
  if not v then return false end
  local e = cjson.decode(v)
  if e.owner ~= owner then
    redis.call('SREM', owner_key(e.owner), user)
    redis.call('HSET', ENTRIES, user, cjson.encode({ lang = e.lang, owner = owner }))
    redis.call('SADD', owner_key(owner), user)
    redis.call('HSET', OWNERS, owner, instance)
  end
  return true
end

if op == 'join' then
  local user, lang, owner, instance = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  -- Joining twice keeps the first place (and never pairs with oneself).
  if adopt(user, owner, instance) then return { 0, '', '' } end
  local cand
  if lang == '' then
    cand = oldest(ALL)
  else
    -- Compatible: same language, or no language. Scores are shared tickets,
    -- so the lower one is the one who has waited longer.
    local a, sa = oldest(lang_key(lang))
    local b, sb = oldest(NOLANG)
    if a and (not b or sa < sb) then cand = a else cand = b end
  end
  if cand then
    local e = remove(cand)
    -- A receipt, so a requeue after a failed pairing gives the entry back
    -- to the replica that serves the person (see 'front').
    redis.call('SET', receipt_key(cand), cjson.encode(e), 'PX', RECEIPT_TTL_MS)
    return { 1, cand, e.lang }
  end
  add(user, lang, owner, instance, redis.call('INCR', TICKET))
  return { 0, '', '' }

elseif op == 'front' then
  local user, lang, owner, instance = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  -- Already queued again (they searched meanwhile): that place stands.
  if redis.call('HEXISTS', ENTRIES, user) == 1 then return 0 end
  local receipt = redis.call('GET', receipt_key(user))
  if receipt then
    -- Popped by a pairing that failed: back to the replica serving them,
    -- unless that replica is gone (then so is the person).
    redis.call('DEL', receipt_key(user))
    owner = cjson.decode(receipt).owner
    instance = redis.call('HGET', OWNERS, owner)
    if not instance then return 0 end
  end
  local _, first = oldest(ALL)
  local score
  if first then
    score = first - 1
  else
    -- Empty queue: any score not above the next ticket keeps FIFO.
    score = tonumber(redis.call('GET', TICKET) or '0')
  end
  add(user, lang, owner, instance, score)
  -- 1: queued for the caller; 2: queued for the replica serving them.
  if owner == ARGV[5] then return 1 end
  return 2

elseif op == 'leave' then
  -- Only the owner removes: if the person searched again on another
  -- replica meanwhile (which adopted the entry), a late leave from the old
  -- one must not take them out of the queue.
  local user, owner = ARGV[3], ARGV[4]
  local v = redis.call('HGET', ENTRIES, user)
  if v and cjson.decode(v).owner == owner then
    remove(user)
    return 1
  end
  return 0

elseif op == 'owned' then
  -- Which of ARGV[4..] are still queued by owner ARGV[3] (1) or not (0).
  local owner, out = ARGV[3], {}
  for i = 4, #ARGV do
    local v = redis.call('HGET', ENTRIES, ARGV[i])
    if v and cjson.decode(v).owner == owner then out[#out + 1] = 1 else out[#out + 1] = 0 end
  end
  return out

elseif op == 'purge' then
  -- Drops the entries of every owner that is no longer the live incarnation
  -- of its instance (owners.lua).
  local removed = purge_dead_owners(prefix, OWNERS, owner_key, function(user, token)
    local v = redis.call('HGET', ENTRIES, user)
    if v and cjson.decode(v).owner == token then
      remove(user)
      return 1
    end
    return 0
  end)
  -- Forget instance ids whose heartbeat is gone (for the live list).
  for _, id in ipairs(redis.call('SMEMBERS', prefix .. 'replicas')) do
    if redis.call('EXISTS', prefix .. 'replica:' .. id) == 0 then
      redis.call('SREM', prefix .. 'replicas', id)
    end
  end
  return removed
end

return redis.error_reply('unknown queue operation')
