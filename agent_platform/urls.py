from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from agent_platform import health
from agent_platform.metrics.exposition import metrics
from dashboards.views import admin_home

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Both pages load their assets from our static files (drf-spectacular-sidecar): they work offline.
    path("docs/", SpectacularRedocView.as_view(url_name="schema"), name="api-docs"),
    path("docs/swagger/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs-swagger"),
    path("", include("accounts.api.urls")),
    path("", include("agents.api.urls")),
    path("", include("tools.api.urls")),
    path("", include("workflows.api.urls")),
    path("", include("rag.api.urls")),
    path("", include("runs.api.urls")),
    path("", include("evals.api.urls")),
    path("", include("webhooks.api.urls")),
    path("", include("retention.api.urls")),
    path("", include("limits.api.urls")),
    path("", include("alerts.api.urls")),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),  # Prometheus, behind PLATFORM_METRICS_TOKEN (not in the OpenAPI)
    path("api/v1/", include(api_v1)),
    path("admin/dashboards/", include("dashboards.urls")),
    path("admin/", admin.site.admin_view(admin_home), name="admin-home"),  # the admin index with the overview
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Agent Platform"
admin.site.site_title = "Agent Platform"
