-- The global search queue. Runs atomically inside Redis: no other command
-- (and no other replica's script) interleaves with one call, which is what
-- makes "pair with the oldest compatible person, or enqueue" a single step.
--
-- ARGV[1] = key prefix, ARGV[2] = operation, then the operation's arguments.
-- Key layout (documented in keys.rs):
--   {p}queue              zset  user -> ticket, everyone waiting (FIFO by score)
--   {p}queue:entries      hash  user -> the entry's JSON, as the replica sent it
--   {p}queue:owner_of     hash  user -> owner token
--   {p}queue:tags         hash  user -> "gW|age|min|max": gender and wanted genders
--                               (m f o, - = unset), age, wanted age range; built here
--                               from the entry, read to skip most misfits undecoded
--   {p}queue:ticket       counter for tail tickets
--   {p}queue:owners       hash  owner token -> instance id
--   {p}queue:owner:{tok}  set   users queued by that owner
--   {p}queue:popped:{u}   string, TTL: "owner json" of an entry a pairing just popped
--   {p}replica:{id}       heartbeat key; value = the live owner token of `id`
--   {p}replicas           set   instance ids that announced themselves
-- Per-owner names are built here, so this script needs a standalone Redis
-- (or a single hash slot); it never touches other keys.
--
-- An entry (the Rust `QueueEntry`) is JSON: user, prefs {gender[], age_min,
-- age_max, lang, shared_interest}, profile {gender, age, interests[],
-- langs[]}, avoid[], low_rep; absent fields are unset. It is stored and
-- returned byte for byte as sent (never re-encoded here).

local prefix, op = ARGV[1], ARGV[2]
local ALL = prefix .. 'queue'
local ENTRIES = prefix .. 'queue:entries'
local OWNER_OF = prefix .. 'queue:owner_of'
local TAGS = prefix .. 'queue:tags'
local TICKET = prefix .. 'queue:ticket'
local OWNERS = prefix .. 'queue:owners'
-- How many waiting people one scan reads per round trip into the zset.
local SCAN_CHUNK = 64

local function owner_key(token)
  return prefix .. 'queue:owner:' .. token
end

-- What a pairing popped, kept briefly: the Matcher requeues within one
-- store call, so a minute is plenty.
local RECEIPT_TTL_MS = 60000
local function receipt_key(user)
  return prefix .. 'queue:popped:' .. user
end

-- Oldest score in the queue, or nil.
local function oldest_score()
  local r = redis.call('ZRANGE', ALL, 0, 0, 'WITHSCORES')
  if #r == 0 then return nil end
  return tonumber(r[2])
end

-- Removes `user` from every index; returns their owner and JSON, or nil.
local function remove(user)
  local json = redis.call('HGET', ENTRIES, user)
  if not json then return nil end
  local owner = redis.call('HGET', OWNER_OF, user)
  redis.call('ZREM', ALL, user)
  redis.call('HDEL', ENTRIES, user)
  redis.call('HDEL', OWNER_OF, user)
  redis.call('HDEL', TAGS, user)
  if owner then redis.call('SREM', owner_key(owner), user) end
  return owner, json
end

local function add(user, json, tag, owner, instance, score)
  redis.call('ZADD', ALL, score, user)
  redis.call('HSET', ENTRIES, user, json)
  redis.call('HSET', TAGS, user, tag)
  redis.call('HSET', OWNER_OF, user, owner)
  redis.call('SADD', owner_key(owner), user)
  -- Recorded with every entry, so the purge knows whose liveness to check
  -- even if this owner's heartbeat never reached Redis.
  redis.call('HSET', OWNERS, owner, instance)
end

-- ---- Compatibility: the same rule as `domain::prefs::accepts` and
-- `QueueEntry::compatible` in Rust.

local function list(v)
  if type(v) == 'table' then return v end
  return {}
end

local function contains(t, x)
  for _, v in ipairs(list(t)) do
    if v == x then return true end
  end
  return false
end

local function field(t, k)
  if type(t) ~= 'table' then return nil end
  local v = t[k]
  if v == cjson.null then return nil end
  return v
end

-- Does `a` accept `b` as a partner?
local function accepts(a, b)
  local p, bp = field(a, 'prefs'), field(b, 'profile')
  local genders = list(field(p, 'gender'))
  if #genders > 0 and not contains(genders, field(bp, 'gender')) then return false end
  local age = field(bp, 'age')
  local lo, hi = field(p, 'age_min'), field(p, 'age_max')
  if lo and (not age or age < lo) then return false end
  if hi and (not age or age > hi) then return false end
  if field(p, 'shared_interest') then
    local shared = false
    for _, i in ipairs(list(field(field(a, 'profile'), 'interests'))) do
      if contains(field(bp, 'interests'), i) then shared = true break end
    end
    if not shared then return false end
  end
  local lang = field(p, 'lang')
  if lang then
    local theirs = field(field(b, 'prefs'), 'lang')
    if theirs then
      if theirs ~= lang then return false end
    else
      local langs = list(field(bp, 'langs'))
      if #langs > 0 and not contains(langs, lang) then return false end
    end
  end
  return true
end

local function compatible(a, b)
  if a.user == b.user then return false end
  if contains(field(a, 'avoid'), b.user) or contains(field(b, 'avoid'), a.user) then
    return false
  end
  return accepts(a, b) and accepts(b, a)
end

-- ---- The quick check: what the tag says about gender and age, both ways.
-- It only ever rejects what `compatible` would reject too.

local GCODE = { male = 'm', female = 'f', other = 'o' }

local function wanted(prefs)
  local w = ''
  for _, g in ipairs(list(field(prefs, 'gender'))) do w = w .. (GCODE[g] or '') end
  return w
end

local function tag_of(e)
  local p, w = field(e, 'profile'), field(e, 'prefs')
  return (GCODE[field(p, 'gender')] or '-') .. wanted(w) .. '|' .. (field(p, 'age') or '')
    .. '|' .. (field(w, 'age_min') or '') .. '|' .. (field(w, 'age_max') or '')
end

-- The searcher's side of the quick check, built once per call.
local function quick_of(e)
  local p, w = field(e, 'profile'), field(e, 'prefs')
  return {
    g = GCODE[field(p, 'gender')] or '-', w = wanted(w), age = field(p, 'age'),
    lo = field(w, 'age_min'), hi = field(w, 'age_max'),
  }
end

local function quick_ok(q, tag)
  local cg, cw, cage, cmin, cmax = string.match(tag, '^(.)(%a*)|(%d*)|(%d*)|(%d*)$')
  if not cg then return true end
  if q.w ~= '' and not string.find(q.w, cg, 1, true) then return false end
  if cw ~= '' and not string.find(cw, q.g, 1, true) then return false end
  cage, cmin, cmax = tonumber(cage), tonumber(cmin), tonumber(cmax)
  if q.lo and (not cage or cage < q.lo) then return false end
  if q.hi and (not cage or cage > q.hi) then return false end
  if cmin and (not q.age or q.age < cmin) then return false end
  if cmax and (not q.age or q.age > cmax) then return false end
  return true
end

-- The waiting person `me` is paired with: the oldest compatible one of the
-- same reputation class, else the oldest compatible one (`queue::pick`).
-- Reads the queue oldest first, SCAN_CHUNK at a time.
local function pick(me)
  local low = field(me, 'low_rep') and true or false
  local q = quick_of(me)
  local fallback = nil
  local start = 0
  while true do
    local users = redis.call('ZRANGE', ALL, start, start + SCAN_CHUNK - 1)
    if #users == 0 then break end
    local tags = redis.call('HMGET', TAGS, unpack(users))
    for i, user in ipairs(users) do
      local json = user ~= me.user and (not tags[i] or quick_ok(q, tags[i]))
        and redis.call('HGET', ENTRIES, user)
      if json then
        local e = cjson.decode(json)
        if compatible(me, e) then
          local elow = field(e, 'low_rep') and true or false
          if elow == low then return user end
          if not fallback then fallback = user end
        end
      end
    end
    start = start + SCAN_CHUNK
  end
  return fallback
end

-- Hands the entry of an already queued `user` to `owner`: whoever joined
-- last serves the person now (they may have moved from a replica that
-- died, whose purge must not take them along).
local function adopt(user, owner, instance)
  local old = redis.call('HGET', OWNER_OF, user)
  if old ~= owner then
    if old then redis.call('SREM', owner_key(old), user) end
    redis.call('HSET', OWNER_OF, user, owner)
    redis.call('SADD', owner_key(owner), user)
    redis.call('HSET', OWNERS, owner, instance)
  end
end

if op == 'join' or op == 'rejoin' then
  local user, json, owner, instance = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  local me = cjson.decode(json)
  -- Joining twice keeps the first place (and never pairs with oneself),
  -- with the newer entry: a relaxation searches again with it.
  local queued = redis.call('HEXISTS', ENTRIES, user) == 1
  -- A relaxation is for someone still waiting: if they were paired or
  -- left meanwhile, it changes nothing.
  if op == 'rejoin' and not queued then return { 0, '' } end
  if queued then
    redis.call('HSET', ENTRIES, user, json)
    redis.call('HSET', TAGS, user, tag_of(me))
    adopt(user, owner, instance)
  end
  local cand = pick(me)
  if cand then
    local cowner, cjson_text = remove(cand)
    if queued then remove(user) end
    -- A receipt, so a requeue after a failed pairing gives the entry back
    -- to the replica that serves the person (see 'front').
    redis.call('SET', receipt_key(cand), cowner .. ' ' .. cjson_text, 'PX', RECEIPT_TTL_MS)
    return { 1, cjson_text }
  end
  if not queued then
    add(user, json, tag_of(me), owner, instance, redis.call('INCR', TICKET))
  end
  return { 0, '' }

elseif op == 'front' then
  local user, json, owner, instance = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  -- Already queued again (they searched meanwhile): that place stands.
  if redis.call('HEXISTS', ENTRIES, user) == 1 then return 0 end
  local receipt = redis.call('GET', receipt_key(user))
  if receipt then
    -- Popped by a pairing that failed: back to the replica serving them,
    -- unless that replica is gone (then so is the person).
    redis.call('DEL', receipt_key(user))
    owner = string.match(receipt, '^(%S+) ')
    instance = redis.call('HGET', OWNERS, owner)
    if not instance then return 0 end
  end
  local first = oldest_score()
  local score
  if first then
    score = first - 1
  else
    -- Empty queue: any score not above the next ticket keeps FIFO.
    score = tonumber(redis.call('GET', TICKET) or '0')
  end
  add(user, json, tag_of(cjson.decode(json)), owner, instance, score)
  -- 1: queued for the caller; 2: queued for the replica serving them.
  if owner == ARGV[5] then return 1 end
  return 2

elseif op == 'leave' then
  -- Only the owner removes: if the person searched again on another
  -- replica meanwhile (which adopted the entry), a late leave from the old
  -- one must not take them out of the queue.
  local user, owner = ARGV[3], ARGV[4]
  if redis.call('HGET', OWNER_OF, user) == owner then
    remove(user)
    return 1
  end
  return 0

elseif op == 'owned' then
  -- Which of ARGV[4..] are still queued by owner ARGV[3] (1) or not (0).
  local owner, out = ARGV[3], {}
  for i = 4, #ARGV do
    if redis.call('HGET', OWNER_OF, ARGV[i]) == owner then out[#out + 1] = 1 else out[#out + 1] = 0 end
  end
  return out

elseif op == 'purge' then
  -- Drops the entries of every owner that is no longer the live incarnation
  -- of its instance (owners.lua).
  local removed = purge_dead_owners(prefix, OWNERS, owner_key, function(user, token)
    if redis.call('HGET', OWNER_OF, user) == token then
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
