from django.urls import path

from workflows.api import views

urlpatterns = [
    path("workflows", views.WorkflowList.as_view(), name="workflow-list"),
    path("workflows/<str:workflow_id>", views.WorkflowDetail.as_view(), name="workflow-detail"),
    path("workflows/<str:workflow_id>/versions", views.VersionList.as_view(), name="workflow-version-list"),
    path("workflows/<str:workflow_id>/versions/<int:number>", views.VersionDetail.as_view(),
         name="workflow-version-detail"),
    path("workflows/<str:workflow_id>/promote", views.Promote.as_view(), name="workflow-promote"),
]
