from django.urls import path

from webhooks.api import views

urlpatterns = [
    path("webhooks", views.WebhookList.as_view(), name="webhook-list"),
    path("webhooks/signing-secret/rotate", views.SigningSecretRotate.as_view(), name="webhook-secret-rotate"),
    path("webhooks/deliveries/<str:delivery_id>/redeliver", views.DeliveryRedeliver.as_view(),
         name="webhook-redeliver"),
    path("webhooks/<str:webhook_id>", views.WebhookDetail.as_view(), name="webhook-detail"),
    path("webhooks/<str:webhook_id>/deliveries", views.WebhookDeliveries.as_view(), name="webhook-deliveries"),
]
