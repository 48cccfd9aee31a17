"""Text matches: `exact`, `contains`, `icontains`, `not_contains`, `starts_with`, `regex`.

Each reads the output text (`text_of` of what `path` selects) and compares it with the config's
`value` when given, else with the item's expected text (`expected_path` picks a part of it).
Scores are 1.0 (passed) or 0.0. `regex` runs on RE2 (`runtime/user_regex.py`, linear time in the
output's length: a user's pattern cannot hang a worker).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.evals.case import EvalCase, select_expected, select_output, text_of
from runtime.evals.config import ConfigProblem, MetricConfig
from runtime.evals.errors import MetricScoringFailed
from runtime.evals.metrics import register
from runtime.evals.metrics.base import Metric, MetricResult, MetricServices, verdict
from runtime.evals.paths import MISSING
from runtime.evals.text_normalise import normalise_text
from runtime.user_regex import UnsupportedRegex, compile_user_regex


def _expected_values(case: EvalCase, configured: Any, expected_path: str | None, metric: str) -> list[str]:
    """The needle(s): the config's `value` (a string or a list), else the expected value."""
    value = configured if configured is not None else select_expected(case, expected_path)
    if value is MISSING:
        raise MetricScoringFailed(f"{metric}: no `value` in the config and the item has no expected value")
    if isinstance(value, list):
        return [text_of(v) for v in value]
    return [text_of(value)]


@dataclass(frozen=True, kw_only=True)
class ExactConfig(MetricConfig):
    value: Any = None
    ignore_case: bool = False
    collapse_whitespace: bool = False
    strip_punctuation: bool = False
    trim: bool = True


@register
class Exact(Metric):
    type = "exact"
    Config = ExactConfig
    config: ExactConfig

    def _norm(self, text: str) -> str:
        c = self.config
        return normalise_text(text, ignore_case=c.ignore_case, collapse_whitespace=c.collapse_whitespace,
                              strip_punctuation=c.strip_punctuation, trim=c.trim)

    def score(self, case: EvalCase) -> MetricResult:
        expected = self.config.value if self.config.value is not None else select_expected(case, self.config.expected_path)
        if expected is MISSING:
            raise MetricScoringFailed("exact: no `value` in the config and the item has no expected value")
        got = self._norm(text_of(select_output(case, self.config.path)))
        want = self._norm(text_of(expected))
        return verdict(got == want, f"output {_clip(got)!r} != expected {_clip(want)!r}")


@dataclass(frozen=True, kw_only=True)
class ContainsConfig(MetricConfig):
    value: str | list[str] | None = None  # a list: every value must be present (not_contains: none)


class _Containment(Metric):
    Config = ContainsConfig
    config: ContainsConfig
    ignore_case = False
    negate = False

    def score(self, case: EvalCase) -> MetricResult:
        haystack = text_of(select_output(case, self.config.path))
        needles = _expected_values(case, self.config.value, self.config.expected_path, self.type)
        if self.ignore_case:
            haystack, folded = haystack.casefold(), [n.casefold() for n in needles]
        else:
            folded = needles
        found = [n for n, f in zip(needles, folded, strict=True) if f in haystack]
        if self.negate:
            return verdict(not found, f"output contains {', '.join(repr(n) for n in found)}", found=found)
        missing = [n for n in needles if n not in found]
        return verdict(not missing, f"output lacks {', '.join(repr(n) for n in missing)}", missing=missing)


@register
class Contains(_Containment):
    type = "contains"


@register
class IContains(_Containment):
    type = "icontains"
    ignore_case = True


@register
class NotContains(_Containment):
    type = "not_contains"
    negate = True


@dataclass(frozen=True, kw_only=True)
class StartsWithConfig(MetricConfig):
    value: str | list[str] | None = None  # a list: any of the prefixes
    ignore_case: bool = False
    trim: bool = True  # ignore leading whitespace of the output


@register
class StartsWith(Metric):
    type = "starts_with"
    Config = StartsWithConfig
    config: StartsWithConfig

    def score(self, case: EvalCase) -> MetricResult:
        prefixes = _expected_values(case, self.config.value, self.config.expected_path, self.type)
        text = text_of(select_output(case, self.config.path))
        if self.config.trim:
            text = text.lstrip()
        if self.config.ignore_case:
            ok = any(text.casefold().startswith(p.casefold()) for p in prefixes)
        else:
            ok = any(text.startswith(p) for p in prefixes)
        wanted = " or ".join(repr(p) for p in prefixes)
        return verdict(ok, f"output {_clip(text)!r} does not start with {wanted}")


@dataclass(frozen=True, kw_only=True)
class RegexConfig(MetricConfig):
    pattern: str
    ignore_case: bool = False
    full_match: bool = False  # the whole output must match, not just a part

    def validate(self) -> None:
        try:
            compile_user_regex(self.pattern, field="pattern", ignore_case=self.ignore_case)
        except UnsupportedRegex as exc:
            raise ConfigProblem("pattern", f"is not usable: {str(exc).partition(': ')[2]}") from exc


@register
class Regex(Metric):
    type = "regex"
    Config = RegexConfig
    config: RegexConfig

    def setup(self, services: MetricServices) -> None:
        self._pattern = compile_user_regex(self.config.pattern, field="pattern", ignore_case=self.config.ignore_case)

    def score(self, case: EvalCase) -> MetricResult:
        text = text_of(select_output(case, self.config.path))
        match = self._pattern.fullmatch(text) if self.config.full_match else self._pattern.search(text)
        if match is None:
            how = "fully match" if self.config.full_match else "match"
            return verdict(False, f"output {_clip(text)!r} does not {how} /{self.config.pattern}/")
        return verdict(True, "", match=match.group(0))


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
