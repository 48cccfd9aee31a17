"""Every console page, as a person meets it in headless Chromium against a real Daphne and worker:
each model's list and change page, the run viewer (agent and workflow runs), promote, approvals,
the tool and knowledge-base playgrounds, the workflow diagram, the audit log, the API docs, the
agent chat and the 404 page. Each must load every asset with 200, log no JavaScript error, be
styled, and fit a 1440 px viewport (see page_checks.py)."""
from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.test import RequestFactory
from django.urls import reverse

from runs.models import Run
from tests.browser.seed import superuser

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Pages of our own (not stock admin lists) load console.css; the check asserts it applies there.
CONSOLE_MODELS = {"runs.run", "rag.knowledgebase", "auditlog.logentry"}
# Models seed.py makes an object of: their change pages are visited and must exist. Other registered
# models (apps added since: evals, webhooks) get their list page checked only, and are reported.
SEEDED = {"accounts.project", "accounts.apikey", "accounts.secret", "agents.agent", "agents.agentversion",
          "workflows.workflow", "workflows.workflowversion", "tools.customtool", "tools.mcpserver",
          "tools.kventry", "tools.toolapproval", "tools.pendingtoolapproval", "rag.knowledgebase",
          "rag.document", "runs.run", "auditlog.logentry", "auth.user", "auth.group"}


def first_object(model_admin, user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return model_admin.get_queryset(request).order_by("-pk").first()


def test_console_tour(console_page, seeded):
    """One seed (real runs and an ingestion take seconds), then every page."""
    root = superuser()
    console_page.login(root.username)
    every_model_list_and_change_page(console_page, root)
    run_viewer_promote_approvals_playgrounds_diagram_audit_docs_and_404(console_page, seeded)


def every_model_list_and_change_page(console_page, root) -> None:
    index = console_page.open("/admin/", "index", console_css=True, shot=True)
    assert index.locator(".ac-quicklinks a", has_text="Agent chat").count() == 1

    missing, list_only = [], []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        name = f"{model._meta.app_label}_{model._meta.model_name}"
        console_page.open(reverse(f"admin:{name}_changelist"), f"list-{name}", shot=label in CONSOLE_MODELS)
        if not model._meta.managed:  # django-rq's queue dashboard: a page without rows
            list_only.append(label)
            continue
        obj = first_object(model_admin, root)
        if obj is None:
            (missing if label in SEEDED else list_only).append(label)
            continue
        console_page.open(reverse(f"admin:{name}_change", args=[quote(obj.pk)]), f"change-{name}")
    print("list page only (no object seeded):", list_only)
    assert "django_rq.dashboard" in list_only
    assert not missing, f"seed an object of each of these so their change page is visited: {missing}"


def run_viewer_promote_approvals_playgrounds_diagram_audit_docs_and_404(console_page, seeded) -> None:
    runs = seeded.runs
    agent_run = console_page.open(reverse("admin:runs_run_change", args=[quote(runs["agent"])]), "run-viewer-agent",
                                  console_css=True, shot=True)
    assert agent_run.locator(".ac-wf-row.ac-kind-tool").count() == 1
    assert agent_run.locator("#ac-live").is_hidden(), "the LIVE badge shows on a finished run"
    header = agent_run.locator(".ac-summary h2 code")
    color, background = header.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e.closest('h2')).color]")
    assert color == background, f"the run id ({color}) is not drawn in the header's text colour ({background})"

    workflow_run = console_page.open(reverse("admin:runs_run_change", args=[quote(runs["workflow"])]),
                                     "run-viewer-workflow", console_css=True, shot=True)
    assert workflow_run.locator(".ac-wf-row.ac-kind-node").count() == 4

    runs_list = console_page.open(reverse("admin:runs_run_changelist") + "?q=remember+the+tea", "runs-search",
                                  console_css=True, shot=True)
    assert runs_list.locator("#result_list tbody tr").count() == 1
    assert runs_list.locator("th.column-duration", has_text="latency").count() == 1
    assert runs_list.locator("a.ac-chat-link").count() == 1

    helper = seeded.agents["helper"]
    version = Run.objects.get(pk=runs["agent"]).agent_version
    console_page.open(reverse("admin:agents_agentversion_promote", args=[quote(version.pk)]), "promote-agent",
                      shot=True)
    console_page.open(reverse("admin:agents_agent_new_version", args=[quote(helper["id"])]), "agent-new-version")
    workflow = Run.objects.get(pk=runs["workflow"]).workflow
    diagram = console_page.open(reverse("admin:workflows_workflow_change", args=[quote(workflow.pk)]),
                                "workflow-diagram", shot=True)
    assert diagram.locator("svg.workflow-diagram g.node").count() == 4

    queue = console_page.open(reverse("admin:tools_pendingtoolapproval_changelist"), "approvals", shot=True)
    assert runs["pending"] in queue.content()
    console_page.open(reverse("admin:tools_pendingtoolapproval_decide", args=[quote(runs["pending"])]),
                      "approval-decide")
    console_page.open(reverse("admin:tools_customtool_playground"), "tool-playground", shot=True)
    console_page.open(reverse("admin:tools_customtool_import_openapi"), "tool-import-openapi")

    kb = seeded.kb["id"]
    playground = console_page.open(reverse("admin:rag_knowledgebase_playground", args=[quote(kb)])
                                   + "?query=refunds+card&top_k=3&mode=vector", "kb-playground",
                                   console_css=True, shot=True)
    metadata = playground.locator("#playground-results .ac-meta").first.inner_text()
    assert "tags" in metadata and '["billing", "cards"]' in metadata and "{'" not in metadata, metadata
    console_page.open(reverse("admin:rag_knowledgebase_upload", args=[quote(kb)]), "kb-upload")

    audit = console_page.open(reverse("admin:auditlog_logentry_changelist"), "audit-log", console_css=True,
                              shot=True)
    rows = [(row.locator("td.field-resource_url").inner_text(), row.locator("td.field-actor_label").inner_text())
            for row in audit.locator("#result_list tbody tr").all()]
    by_api = [actor for resource, actor in rows if "| agent -" in resource or "| secret -" in resource]
    assert by_api and all(actor.startswith("api-key:tour (") for actor in by_api), rows

    chat = console_page.open(reverse("admin:runs_run_chat"), "agent-chat", console_css=True, shot=True)
    assert chat.locator("#ac-chat-agent option").count() == 3

    # Redoc renders the whole schema in the browser: allow it time on a busy machine.
    docs = console_page.open("/api/v1/docs/", "api-docs", wait_for="h1:has-text('Agent Platform API')",
                             wait_ms=90_000, admin=False, shot=True, full_page=False)
    assert "/api/v1/traces" in docs.content()

    missing = console_page.open(reverse("admin:runs_run_change", args=["run_does_not_exist"]), "not-found",
                                status=404, console_css=True, shot=True)
    assert missing.locator("h1").inner_text() == "Not found"
    assert missing.locator("#header").count() == 1
