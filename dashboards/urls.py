from django.contrib import admin
from django.urls import path

from dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("models/", admin.site.admin_view(views.models_page), name="models"),
    path("<str:kind>/<str:target_id>/", admin.site.admin_view(views.target_page), name="target"),
]
