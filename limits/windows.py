"""The budget windows: the UTC day and the UTC calendar month, named and timed from one `now`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class Windows:
    now: datetime
    day: str  # "20261202"
    month: str  # "202612"
    day_ends: datetime
    month_ends: datetime

    @property
    def now_ms(self) -> int:
        return int(self.now.timestamp() * 1000)

    @property
    def ms_to_day_end(self) -> int:
        return int((self.day_ends - self.now).total_seconds() * 1000)

    @property
    def ms_to_month_end(self) -> int:
        return int((self.month_ends - self.now).total_seconds() * 1000)


def windows(now: datetime | None = None) -> Windows:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = day_start.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    return Windows(now=now, day=now.strftime("%Y%m%d"), month=now.strftime("%Y%m"),
                   day_ends=day_start + timedelta(days=1), month_ends=next_month)
