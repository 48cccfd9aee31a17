"""The scheduler's leadership and per-tick claims, in Redis.

`Lease` is held by one instance at a time: acquired with `SET NX PX`, renewed and released only
by its holder (a compare-and-set script), so an instance whose lease expired cannot extend or
delete the new holder's. `claim_tick` moves a job's last claimed tick forward only if the caller
still holds the lease, in one script, so a tick is claimed once across all instances.
"""
from __future__ import annotations

import redis

PREFIX = "platform:scheduler"

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
# KEYS: lease, job's last tick; ARGV: owner, tick. 1 = claimed, 0 = already claimed, -1 = not leader.
_CLAIM = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
local last = tonumber(redis.call('GET', KEYS[2]) or '-1')
if tonumber(ARGV[2]) > last then
  redis.call('SET', KEYS[2], ARGV[2])
  return 1
end
return 0
"""


class Lease:
    def __init__(self, client: redis.Redis, owner: str, *, ttl_s: float, prefix: str = PREFIX) -> None:
        self.client, self.owner, self.ttl_ms, self.prefix = client, owner, max(1, int(ttl_s * 1000)), prefix
        self.key = f"{prefix}:leader"
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._claim = client.register_script(_CLAIM)

    def acquire_or_renew(self) -> bool:
        """Whether this instance holds the lease now (taking it if free, extending it if ours)."""
        if self._renew(keys=[self.key], args=[self.owner, self.ttl_ms]):
            return True
        return bool(self.client.set(self.key, self.owner, nx=True, px=self.ttl_ms))

    def release(self) -> None:
        self._release(keys=[self.key], args=[self.owner])

    def holder(self) -> str | None:
        value = self.client.get(self.key)
        return value.decode() if value else None

    def claim_tick(self, job: str, tick: int) -> int:
        """1: this instance runs `job`'s `tick`; 0: the tick (or a later one) was claimed before;
        -1: this instance no longer holds the lease."""
        return int(self._claim(keys=[self.key, self.tick_key(job)], args=[self.owner, tick]))

    def tick_key(self, job: str) -> str:
        return f"{self.prefix}:tick:{job}"

    def status_key(self) -> str:
        return f"{self.prefix}:status"
