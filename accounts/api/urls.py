from django.urls import path

from accounts.api import views

urlpatterns = [
    path("projects", views.ProjectList.as_view(), name="project-list"),
    path("projects/<str:project_id>", views.ProjectDetail.as_view(), name="project-detail"),
    path("members", views.MemberList.as_view(), name="member-list"),
    path("members/<int:member_id>", views.MemberDetail.as_view(), name="member-detail"),
    path("api-keys", views.ApiKeyList.as_view(), name="apikey-list"),
    path("api-keys/<str:key_id>", views.ApiKeyDetail.as_view(), name="apikey-detail"),
    path("secrets", views.SecretList.as_view(), name="secret-list"),
    path("secrets/<str:name>", views.SecretDetail.as_view(), name="secret-detail"),
]
