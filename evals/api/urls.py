from django.urls import path

from agent_platform.definitions.api.urls import definition_urlpatterns
from evals.api import views

urlpatterns = [
    path("datasets", views.DatasetList.as_view(), name="dataset-list"),
    path("datasets/<str:dataset_id>/items", views.DatasetItems.as_view(), name="dataset-items"),
    *definition_urlpatterns(views.DATASET_API),
    path("evals", views.EvalList.as_view(), name="eval-list"),
    path("evals/<str:eval_id>", views.EvalDetail.as_view(), name="eval-detail"),
    path("evals/<str:eval_id>/items", views.EvalItems.as_view(), name="eval-items"),
    path("evals/<str:eval_id>/cancel", views.EvalCancel.as_view(), name="eval-cancel"),
    path("evals/<str:eval_id>/report", views.EvalReport.as_view(), name="eval-report"),
    path("promotion-policies", views.PolicyList.as_view(), name="promotion-policy-list"),
    path("promotion-policies/<str:policy_id>", views.PolicyDetail.as_view(), name="promotion-policy-detail"),
    path("promotion-overrides", views.PromotionOverride.as_view(), name="promotion-override"),
    path("runs/<str:run_id>/feedback", views.RunFeedback.as_view(), name="run-feedback"),
]
