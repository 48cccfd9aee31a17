from django.urls import path

from retention.api import views

urlpatterns = [
    path("retention", views.RetentionDetail.as_view(), name="retention"),
    path("retention/purges", views.PurgeList.as_view(), name="retention-purges"),
    path("runs/<str:run_id>/hold", views.RunHoldDetail.as_view(), name="run-hold"),
]
