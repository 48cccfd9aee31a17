"""Evaluating alert rules: measure, compare, change state, notify. Run every minute by the
scheduler (`alerts.tasks.evaluate_alert_rules`); `now` is the tick's time, so tests drive time.

Each rule is evaluated under a row lock and only for a time after its last evaluation, and an
event is unique per (rule, time): two evaluators of the same tick (two schedulers, a retry) make
one change and one set of notifications.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction

from alerts import notifications
from alerts.metrics import METRICS
from alerts.models import FIRING, OK, RESOLVED, AlertEvent, AlertRule

logger = logging.getLogger(__name__)


def evaluate_rule(rule_id: str, *, now: datetime) -> AlertEvent | None:
    """Evaluate one rule at `now`; returns the event if its state changed."""
    with transaction.atomic():
        rule = AlertRule.objects.select_for_update().filter(pk=rule_id, enabled=True).first()
        if rule is None or (rule.last_evaluated_at is not None and rule.last_evaluated_at >= now):
            return None  # disabled or deleted since, or this time (or a later one) was evaluated already
        value = METRICS[rule.metric].measure(rule, start=now - timedelta(seconds=rule.window_s), end=now)
        breached = rule.breached(value)
        event = None
        if breached and rule.state == OK:
            if rule.cooling_down(now):
                logger.info("alert rule %s breached at %s but is cooling down until %s", rule.pk, now.isoformat(),
                            (rule.last_fired_at + timedelta(seconds=rule.cooldown_s)).isoformat())
            else:
                event = _change(rule, FIRING, value, now)
                rule.state, rule.last_fired_at = FIRING, now
        elif breached is False and rule.state == FIRING:
            event = _change(rule, RESOLVED, value, now)
            rule.state = OK
        rule.last_value, rule.last_evaluated_at = value, now
        rule.save(update_fields=["state", "last_value", "last_evaluated_at", "last_fired_at"])
        if event is not None:
            notifications.notify(event, rule)
    if event is not None:
        logger.warning("alert %s: rule %s (%s) %s with %s", event.pk, rule.pk, rule.condition(), event.state, value)
    return event


def _change(rule: AlertRule, state: str, value: float | None, now: datetime) -> AlertEvent:
    return AlertEvent.objects.create(project_id=rule.project_id, rule=rule, state=state, value=value,
                                     metric=rule.metric, comparison=rule.comparison, threshold=rule.threshold,
                                     window_s=rule.window_s, at=now, emails=list(rule.emails))


def evaluate_all(*, now: datetime) -> list[AlertEvent]:
    """Every enabled rule at `now`; a rule that fails to evaluate is logged and the rest go on."""
    events = []
    for rule_id in AlertRule.objects.filter(enabled=True).order_by("pk").values_list("pk", flat=True):
        try:
            event = evaluate_rule(rule_id, now=now)
        except Exception:  # noqa: BLE001 - one broken rule must not silence the others
            logger.exception("alert rule %s could not be evaluated at %s", rule_id, now.isoformat())
            continue
        if event is not None:
            events.append(event)
    return events
