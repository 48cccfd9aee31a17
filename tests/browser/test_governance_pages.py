"""The governance console pages in headless Chromium against a real Daphne and worker: limits (list,
a project's and an API key's limits with usage now, the project page with its limits inline),
retention policies with environment overrides, legal holds and purge records. Each loads every
asset with 200, logs no JavaScript error, is styled and fits the viewport (page_checks.py); the
usage table shows the counters admission decides on."""
from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from limits import services as limit_services
from limits.models import Limits
from retention.models import Purge, RetentionOverride, RetentionPolicy, RunHold
from tests.browser.seed import superuser
from tests.retention.seed import make_run

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def seed_governance():
    project = account_services.create_project(slug="gov", name="Governance")
    key, _ = account_services.create_api_key(project=project, name="ci", role="developer")
    limit_services.set_limits(project=project, values={"requests_per_minute": 120, "concurrent_runs": 4,
                                                       "tokens_per_day": 200_000, "usd_per_day": 5})
    limit_services.set_limits(project=project, api_key=key, values={"requests_per_minute": 30, "usd_per_day": 1})
    policy = RetentionPolicy.objects.create(project=project, runs_days=30, audit_days=365)
    RetentionOverride.objects.create(policy=policy, environment="prod", runs_days=365)
    hold = RunHold.objects.create(run=make_run(project, age_days=40), project=project, reason="case 42")
    now = timezone.now()
    purge = Purge.objects.create(project=project, trigger="scheduler", started_at=now, finished_at=now,
                                 counts={"runs.Run": 12, "runs.Event": 48})
    return project, key, policy, hold, purge


def test_limits_usage_and_retention_pages_load_clean(console_page, stack):
    project, key, policy, hold, purge = seed_governance()
    console_page.login(superuser().username)
    project_row = Limits.objects.get(project=project, api_key__isnull=True)
    key_row = Limits.objects.get(api_key=key)

    console_page.open(reverse("admin:limits_limits_changelist"), "gov-limits-list", shot=True)
    page = console_page.open(reverse("admin:limits_limits_change", args=[project_row.pk]), "gov-limits-project",
                             shot=True)
    usage = page.locator("table.limits-usage")
    assert usage.count() == 1
    text = usage.inner_text()
    assert "concurrent runs" in text and "tokens / day" in text and "200000" in text.replace(",", "")
    page = console_page.open(reverse("admin:limits_limits_change", args=[key_row.pk]), "gov-limits-key")
    assert page.locator("table.limits-usage").count() == 1
    console_page.open(reverse("admin:accounts_project_change", args=[project.pk]), "gov-project")

    console_page.open(reverse("admin:retention_retentionpolicy_changelist"), "gov-retention-list", shot=True)
    page = console_page.open(reverse("admin:retention_retentionpolicy_change", args=[policy.pk]),
                             "gov-retention-policy", shot=True)
    assert page.locator("input[name=runs_days]").input_value() == "30"
    console_page.open(reverse("admin:retention_runhold_changelist"), "gov-holds-list")
    console_page.open(reverse("admin:retention_runhold_change", args=[hold.pk]), "gov-hold")
    page = console_page.open(reverse("admin:retention_purge_changelist"), "gov-purges-list")
    assert page.locator("#result_list tbody tr").count() == 1
    console_page.open(reverse("admin:retention_purge_change", args=[purge.pk]), "gov-purge")
