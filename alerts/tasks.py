"""Entry points: the scheduler's job (every minute) and the RQ job that sends one alert email."""
from __future__ import annotations

from datetime import datetime

from alerts import evaluation, notifications


def evaluate_alert_rules(*, now: datetime) -> int:
    """The `alerts` job of agent_platform/scheduler/jobs.py; returns how many rules changed state."""
    return len(evaluation.evaluate_all(now=now))


def send_alert_email(event_id: str) -> bool:
    """RQ job (retried on SMTP errors): the email of one alert event, sent once."""
    return notifications.send_email(event_id)
