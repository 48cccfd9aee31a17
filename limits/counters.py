"""The Redis side of limits: key names and the Lua scripts that check and move counters atomically.

Every decision that several API replicas or workers could race on is one script, so it is atomic
in Redis: admission (concurrency slots and budget reservations), request-rate windows, charging
usage while a run executes, and settlement. Scripts build some key names from the run's record,
so they need one Redis server (not Redis Cluster). Amounts: tokens, and USD in micro-dollars.

Keys (`<s>` is a scope: `p:<project id>` or `k:<api key id>`):
  lim:<s>:slots          ZSET run id -> lease expiry (ms); expired members are dropped on admission
  lim:<s>:tok:d:<day>    tokens used in the UTC day       lim:<s>:usd:d:<day> / usd:m:<month>  micro-USD
  lim:<s>:res:tok|usd    reserved by admitted runs and not yet charged
  lim:<s>:rpm            ZSET of request timestamps in the last minute (a sliding log)
  lim:run:<run id>       HASH: scopes, tok/usd still reserved, ctok/cusd charged so far, at (admitted, ms)
  lim:alert:...          one key per threshold crossing already announced (SET NX)
"""
from __future__ import annotations

from functools import lru_cache

from agent_platform.redis_client import redis_client

RUN_RECORD_TTL_S = 8 * 24 * 3600  # well past any run's life; the sweeper settles long before
COUNTER_TTL_S = {"d": 3 * 24 * 3600, "m": 62 * 24 * 3600}
NO_LIMIT = -1


def to_micro(usd) -> int:
    """USD as integer micro-dollars (what the counters hold)."""
    return int(round(float(usd) * 1_000_000))


def scope_prefix(scope: str) -> str:
    return f"lim:{scope}"


def run_record(run_id: str) -> str:
    return f"lim:run:{run_id}"


def slots_key(scope: str) -> str:
    return f"lim:{scope}:slots"


def rpm_key(scope: str) -> str:
    return f"lim:{scope}:rpm"


def admission_keys(scope: str, day: str, month: str) -> list[str]:
    p = scope_prefix(scope)
    return [f"{p}:slots", f"{p}:tok:d:{day}", f"{p}:usd:d:{day}", f"{p}:usd:m:{month}", f"{p}:res:tok",
            f"{p}:res:usd"]


ADMIT = """
-- KEYS[1] run record, then 6 per scope (see admission_keys). ARGV: now_ms, run_id, lease_until_ms,
-- est_tok, est_usd, scopes csv, ms_to_day_end, ms_to_month_end, record ttl, then 4 limits per scope
-- (concurrent, tokens/day, usd/day, usd/month; -1 = none).
-- Returns {1} admitted, or {0, scope index, limit name, retry ms, current, limit}.
if redis.call('EXISTS', KEYS[1]) == 1 then return {1} end
local n = (#KEYS - 1) / 6
local now, est_tok, est_usd = tonumber(ARGV[1]), tonumber(ARGV[4]), tonumber(ARGV[5])
for i = 0, n - 1 do
  local k, a = 1 + i * 6, 10 + i * 4
  redis.call('ZREMRANGEBYSCORE', KEYS[k + 1], '-inf', now)
  local conc = tonumber(ARGV[a])
  if conc >= 0 then
    local busy = redis.call('ZCARD', KEYS[k + 1])
    if busy >= conc then return {0, i, 'concurrent_runs', 1000, busy, conc} end
  end
  local checks = {
    {'tokens_per_day', KEYS[k + 2], KEYS[k + 5], est_tok, tonumber(ARGV[a + 1]), tonumber(ARGV[7])},
    {'usd_per_day', KEYS[k + 3], KEYS[k + 6], est_usd, tonumber(ARGV[a + 2]), tonumber(ARGV[7])},
    {'usd_per_month', KEYS[k + 4], KEYS[k + 6], est_usd, tonumber(ARGV[a + 3]), tonumber(ARGV[8])}}
  for _, c in ipairs(checks) do
    local limit = c[5]
    if limit >= 0 then
      local used = tonumber(redis.call('GET', c[2]) or '0')
      local reserved = math.max(0, tonumber(redis.call('GET', c[3]) or '0'))
      if used >= limit or used + c[4] > limit then return {0, i, c[1], c[6], used, limit} end
      -- room once runs in flight settle (their reservations are estimates): retry soon
      if used + reserved + c[4] > limit then return {0, i, c[1], 1000, used + reserved, limit} end
    end
  end
end
for i = 0, n - 1 do
  local k = 1 + i * 6
  redis.call('ZADD', KEYS[k + 1], ARGV[3], ARGV[2])
  redis.call('INCRBY', KEYS[k + 5], ARGV[4])
  redis.call('INCRBY', KEYS[k + 6], ARGV[5])
end
redis.call('HSET', KEYS[1], 'scopes', ARGV[6], 'tok', ARGV[4], 'usd', ARGV[5], 'ctok', 0, 'cusd', 0, 'at', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[9])
return {1}
"""

CHARGE = """
local function int(x) return string.format('%d', x) end
-- KEYS[1] run record. ARGV: tokens, micro-usd, day, month, day ttl, month ttl.
-- Moves the amount from the run's reservation to the used counters of each of its scopes.
-- Returns {tokens today, usd today, usd this month} per scope, in the record's scope order.
local scopes = redis.call('HGET', KEYS[1], 'scopes')
if not scopes then return {} end
local tok, usd = tonumber(ARGV[1]), tonumber(ARGV[2])
local dtok = math.min(tonumber(redis.call('HGET', KEYS[1], 'tok')), tok)
local dusd = math.min(tonumber(redis.call('HGET', KEYS[1], 'usd')), usd)
redis.call('HINCRBY', KEYS[1], 'tok', int(0 - dtok))
redis.call('HINCRBY', KEYS[1], 'usd', int(0 - dusd))
redis.call('HINCRBY', KEYS[1], 'ctok', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'cusd', ARGV[2])
local out = {}
for scope in string.gmatch(scopes, '[^,]+') do
  local p = 'lim:' .. scope
  redis.call('DECRBY', p .. ':res:tok', int(dtok))
  redis.call('DECRBY', p .. ':res:usd', int(dusd))
  local t = redis.call('INCRBY', p .. ':tok:d:' .. ARGV[3], ARGV[1])
  redis.call('EXPIRE', p .. ':tok:d:' .. ARGV[3], ARGV[5])
  local ud = redis.call('INCRBY', p .. ':usd:d:' .. ARGV[3], ARGV[2])
  redis.call('EXPIRE', p .. ':usd:d:' .. ARGV[3], ARGV[5])
  local um = redis.call('INCRBY', p .. ':usd:m:' .. ARGV[4], ARGV[2])
  redis.call('EXPIRE', p .. ':usd:m:' .. ARGV[4], ARGV[6])
  table.insert(out, t); table.insert(out, ud); table.insert(out, um)
end
return out
"""

SETTLE = """
local function int(x) return string.format('%d', x) end
-- KEYS[1] run record. ARGV: run id, final tokens, final micro-usd, day, month, day ttl, month ttl.
-- Exactly once per run: frees its slots and what is left of its reservation, charges what the
-- run's final usage has beyond what was charged live, deletes the record. 0 if already settled.
local scopes = redis.call('HGET', KEYS[1], 'scopes')
if not scopes then return 0 end
local rtok = tonumber(redis.call('HGET', KEYS[1], 'tok'))
local rusd = tonumber(redis.call('HGET', KEYS[1], 'usd'))
local xtok = math.max(0, tonumber(ARGV[2]) - tonumber(redis.call('HGET', KEYS[1], 'ctok')))
local xusd = math.max(0, tonumber(ARGV[3]) - tonumber(redis.call('HGET', KEYS[1], 'cusd')))
for scope in string.gmatch(scopes, '[^,]+') do
  local p = 'lim:' .. scope
  redis.call('ZREM', p .. ':slots', ARGV[1])
  redis.call('DECRBY', p .. ':res:tok', int(rtok))
  redis.call('DECRBY', p .. ':res:usd', int(rusd))
  if xtok > 0 then
    redis.call('INCRBY', p .. ':tok:d:' .. ARGV[4], int(xtok))
    redis.call('EXPIRE', p .. ':tok:d:' .. ARGV[4], ARGV[6])
  end
  if xusd > 0 then
    redis.call('INCRBY', p .. ':usd:d:' .. ARGV[4], int(xusd))
    redis.call('EXPIRE', p .. ':usd:d:' .. ARGV[4], ARGV[6])
    redis.call('INCRBY', p .. ':usd:m:' .. ARGV[5], int(xusd))
    redis.call('EXPIRE', p .. ':usd:m:' .. ARGV[5], ARGV[7])
  end
end
redis.call('DEL', KEYS[1])
return 1
"""

REQUEST = """
-- KEYS: one rpm log per scope. ARGV: now_ms, window_ms, unique member, then one limit per scope.
-- Returns {1, remaining, reset ms} per scope (after counting this request),
-- or {0, scope index, retry ms, count, limit}.
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count, limit = redis.call('ZCARD', key), tonumber(ARGV[3 + i])
  if count >= limit then
    local e = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    return {0, i - 1, tonumber(e[2]) + window - now, count, limit}
  end
end
local out = {1}
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[1], ARGV[3])
  redis.call('PEXPIRE', key, window)
  local count, limit = redis.call('ZCARD', key), tonumber(ARGV[3 + i])
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  table.insert(out, limit - count)
  table.insert(out, tonumber(oldest[2]) + window - now)
end
return out
"""


@lru_cache(maxsize=1)
def _scripts() -> dict:
    client = redis_client()
    return {name: client.register_script(text) for name, text in
            (("admit", ADMIT), ("charge", CHARGE), ("settle", SETTLE), ("request", REQUEST))}


def script(name: str):
    """A registered script (EVALSHA, reloaded by redis-py if the server lost it)."""
    return _scripts()[name]


def read_int(key: str) -> int:
    value = redis_client().get(key)
    return int(value) if value else 0
