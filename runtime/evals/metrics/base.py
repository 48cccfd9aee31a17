"""The shared base of metric types: the result shape, the services metrics may need, `Metric`."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Type  # noqa: UP035 (`type` is a class attribute here)

from runtime.evals.config import MetricConfig

if TYPE_CHECKING:
    from runtime.evals.case import EvalCase
    from runtime.models.base import ChatModel
    from runtime.models.pricing import PriceTable
    from runtime.rag.embeddings import Embedder


@dataclass
class MetricResult:
    """One metric on one case. `value` is the score (None: not measurable here), `passed` the
    verdict (None: the metric has no pass criterion, e.g. `latency_ms` without `max`)."""

    value: float | None
    passed: bool | None
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "passed": self.passed, "reason": self.reason, "details": self.details}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MetricResult:
        value = data.get("value")
        return cls(value=None if value is None else float(value), passed=data.get("passed"),
                   reason=data.get("reason"), details=dict(data.get("details") or {}))

    @property
    def errored(self) -> bool:
        return "error" in self.details


def verdict(ok: bool, reason_if_failed: str, **details: Any) -> MetricResult:
    """A 1.0/0.0 result with a reason when it failed."""
    return MetricResult(1.0 if ok else 0.0, ok, None if ok else reason_if_failed, dict(details))


class SandboxRun(Protocol):
    @property
    def result(self) -> Any: ...


class CodeSandbox(Protocol):
    """Runs `code`, the body of `def main(input)`, with `input`; `runtime.tools.sandbox.Sandbox` is one."""

    def run(self, code: str, input: Any = None) -> SandboxRun: ...


@dataclass
class MetricServices:
    """What some metrics need from outside. The Django side fills it from the project's settings.

    `judge_model(ref)` returns a ChatModel for a model ref (`scripted/judge`, `openai/gpt-4.1-mini`,
    `local/default`) and raises a `ModelError` for an unknown one; `embedder(ref)` returns an
    Embedder (None = the project's default model); `sandbox` runs `code` metrics; `prices` is the
    price table runs are costed with (the project's overrides included), for the judge's cost."""

    judge_model: Callable[[str], ChatModel] | None = None
    embedder: Callable[[str | None], Embedder] | None = None
    sandbox: CodeSandbox | None = None
    prices: PriceTable | None = None


class Metric:
    """Base of metric types; subclasses set `type`, `Config` and `score`."""

    type: ClassVar[str] = ""
    Config: ClassVar[Type[MetricConfig]] = MetricConfig  # noqa: UP006
    higher_is_better: ClassVar[bool] = True  # how comparisons read a delta of `value`
    services_needed: ClassVar[tuple[str, ...]] = ()  # fields of MetricServices it uses

    def __init__(self, name: str, config: MetricConfig, services: MetricServices, *, field_prefix: str = "") -> None:
        self.name = name
        self.config = config
        self.services = services
        self.field_prefix = field_prefix  # e.g. "metrics[2]." — for errors raised by `setup`
        self.setup(services)

    def setup(self, services: MetricServices) -> None:
        """Resolve services once (a judge model, an embedder); raise `MetricConfigInvalid`."""

    def score(self, case: EvalCase) -> MetricResult:
        raise NotImplementedError
