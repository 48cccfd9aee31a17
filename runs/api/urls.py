from django.urls import path

from runs.api import replay, stream_tokens, views

urlpatterns = [
    path("runs", views.RunList.as_view(), name="run-list"),
    path("runs/<str:run_id>", views.RunDetail.as_view(), name="run-detail"),
    path("runs/<str:run_id>/cancel", views.RunCancel.as_view(), name="run-cancel"),
    path("runs/<str:run_id>/resume", views.RunResume.as_view(), name="run-resume"),
    path("runs/<str:run_id>/retry", replay.RunRetry.as_view(), name="run-retry"),
    path("runs/<str:run_id>/fork", replay.RunFork.as_view(), name="run-fork"),
    path("runs/<str:run_id>/checkpoints", replay.RunCheckpoints.as_view(), name="run-checkpoints"),
    path("runs/<str:run_id>/events", views.RunEvents.as_view(), name="run-events"),
    path("runs/<str:run_id>/stream-token", stream_tokens.RunStreamToken.as_view(), name="run-stream-token"),
    path("traces", views.TraceList.as_view(), name="trace-list"),
    path("traces/<str:trace_id>", views.TraceDetail.as_view(), name="trace-detail"),
]
