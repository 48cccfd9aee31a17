"""Console pages: alert rules (add, change, field errors, roles, scoping) and the alert history."""
from __future__ import annotations

import pytest
from django.contrib.admin.utils import quote

from alerts import services
from alerts.evaluation import evaluate_all
from alerts.models import AlertRule
from tests.admin.conftest import console_client, staff_user
from tests.alerts.conftest import minute

pytestmark = pytest.mark.django_db(transaction=True)
RULES, HISTORY = "/admin/alerts/alertrule/", "/admin/alerts/alertevent/"


def form(project, **fields):
    return {"project": project.pk, "name": "Quiet", "metric": "run_count", "environment": "", "window_s": 600,
            "comparison": "lt", "threshold": 1, "cooldown_s": 3600, "emails": "a@example.com\nb@example.com",
            "enabled": "on", "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0, **fields}


def test_an_admin_adds_a_rule_and_a_bad_value_is_shown_on_its_field(project):
    client = console_client(staff_user("ada", project=project, role="admin"))
    for bad, message in (({"window_s": 5}, "between 60 and 604800 seconds"),
                         ({"emails": "a@example.com, nope"}, "is not a valid email address")):
        refused = client.post(RULES + "add/", form(project, **bad))
        assert refused.status_code == 200 and message in refused.content.decode()
    assert not AlertRule.objects.exists()

    added = client.post(RULES + "add/", form(project))
    assert added.status_code == 302, added.content.decode()[:2000]
    rule = AlertRule.objects.get()
    assert rule.emails == ["a@example.com", "b@example.com"] and rule.project == project
    listing = client.get(RULES).content.decode()
    assert "Quiet" in listing and "run_count &lt; 1" in listing


def test_the_history_is_listed_and_shown_read_only(project):
    rule = services.create_rule(project=project, data={"name": "Quiet", "metric": "run_count", "comparison": "lt",
                                                       "threshold": 1})
    [event] = evaluate_all(now=minute())
    client = console_client(staff_user("ada", project=project, role="admin"))
    listing = client.get(HISTORY).content.decode()
    assert "Quiet" in listing and "firing" in listing
    detail = client.get(f"{HISTORY}{quote(event.pk)}/change/")
    assert detail.status_code == 200 and "firing" in detail.content.decode()
    rule_page = client.get(f"{RULES}{quote(rule.pk)}/change/").content.decode()
    assert "firing" in rule_page  # the rule's state and its history inline
    assert client.get(HISTORY + "add/").status_code == 403


def test_developers_see_rules_but_do_not_manage_them(project):
    services.create_rule(project=project, data={"name": "Quiet", "metric": "run_count", "threshold": 1})
    client = console_client(staff_user("dev", project=project, role="developer"))
    assert client.get(RULES).status_code == 200
    assert client.get(RULES + "add/").status_code == 403


def test_other_projects_rules_are_not_visible(project, other_project):
    theirs = services.create_rule(project=other_project, data={"name": "Theirs", "metric": "run_count",
                                                               "threshold": 1})
    client = console_client(staff_user("ada", project=project, role="admin"))
    assert "Theirs" not in client.get(RULES).content.decode()
    assert client.get(f"{RULES}{quote(theirs.pk)}/change/").status_code == 404
