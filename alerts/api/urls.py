from django.urls import path

from alerts.api import views

urlpatterns = [
    path("alert-rules", views.AlertRuleList.as_view(), name="alert-rule-list"),
    path("alert-rules/<str:rule_id>", views.AlertRuleDetail.as_view(), name="alert-rule-detail"),
    path("alerts", views.AlertList.as_view(), name="alert-list"),
]
