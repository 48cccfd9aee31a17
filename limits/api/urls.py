from django.urls import path

from limits.api import views

urlpatterns = [
    path("limits", views.ProjectLimits.as_view(), name="limits"),
    path("api-keys/<str:key_id>/limits", views.ApiKeyLimits.as_view(), name="apikey-limits"),
    path("usage", views.Usage.as_view(), name="usage"),
]
