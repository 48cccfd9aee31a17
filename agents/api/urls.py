from django.urls import path

from agents.api import views

urlpatterns = [
    path("agents", views.AgentList.as_view(), name="agent-list"),
    path("agents/<str:agent_id>", views.AgentDetail.as_view(), name="agent-detail"),
    path("agents/<str:agent_id>/versions", views.VersionList.as_view(), name="agent-version-list"),
    path("agents/<str:agent_id>/versions/<int:number>", views.VersionDetail.as_view(), name="agent-version-detail"),
    path("agents/<str:agent_id>/promote", views.Promote.as_view(), name="agent-promote"),
]
