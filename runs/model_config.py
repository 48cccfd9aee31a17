"""Model providers for a project: the router config from settings, project settings and
secrets; routers are cached per process by config (adapters and the local model load once)."""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

import redis
from django.conf import settings

from runtime.models.router import ModelRouter

_routers: OrderedDict[str, ModelRouter] = OrderedDict()
_lock = threading.Lock()
MAX_ROUTERS = 64


def router_config(project, body: dict, secrets: dict[str, str]) -> dict:
    """Providers: OpenAI/Anthropic keys from project secrets (or the platform defaults),
    OpenAI-compatible servers from `project.settings["providers"]`, a scripted model's turns
    from the version's `model_settings.script`, price overrides from `project.settings["prices"]`."""
    providers: dict[str, dict] = {"local": {}}
    openai_key = secrets.get("OPENAI_API_KEY") or settings.OPENAI_API_KEY
    if openai_key:
        providers["openai"] = {"api_key": openai_key,
                               "base_url": secrets.get("OPENAI_BASE_URL") or settings.OPENAI_BASE_URL or None}
    if secrets.get("ANTHROPIC_API_KEY"):
        providers["anthropic"] = {"api_key": secrets["ANTHROPIC_API_KEY"]}
    for name, conf in (project.settings.get("providers") or {}).items():
        if name.startswith("compat:") and isinstance(conf, dict) and conf.get("base_url"):
            entry = {"base_url": conf["base_url"]}
            if conf.get("api_key_secret"):
                entry["api_key"] = secrets.get(conf["api_key_secret"], "")
            providers[name] = entry
    config: dict = {"providers": providers, "prices": project.settings.get("prices") or {}}
    script = (body.get("model_settings") or {}).get("script")
    model = body.get("model", "")
    if script is not None and model.startswith("scripted/"):
        config["scripted"] = {model.split("/", 1)[1]: script}
    return config


def router_for(project, body: dict, secrets: dict[str, str]) -> ModelRouter:
    config = router_config(project, body, secrets)
    key = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()
    with _lock:
        router = _routers.get(key)
        if router is None:
            router = _routers[key] = ModelRouter(config)
            while len(_routers) > MAX_ROUTERS:
                _routers.popitem(last=False)
        else:
            _routers.move_to_end(key)
        return router


class RedisResponseCache:
    """The opt-in model response cache, in Redis (keys are hashes of the full request)."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def get(self, key: str) -> dict | None:
        raw = self.client.get(f"model-cache:{key}")
        return json.loads(raw) if raw else None

    def set(self, key: str, value: dict, ttl_s: int) -> None:
        self.client.set(f"model-cache:{key}", json.dumps(value), ex=max(1, int(ttl_s)))


def response_cache() -> RedisResponseCache:
    from agent_platform.redis_client import redis_client

    return RedisResponseCache(redis_client())
