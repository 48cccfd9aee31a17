from django.urls import path

from rag.api import views

urlpatterns = [
    path("knowledge-bases", views.KnowledgeBaseList.as_view(), name="knowledge-base-list"),
    path("knowledge-bases/<str:kb_id>", views.KnowledgeBaseDetail.as_view(), name="knowledge-base-detail"),
    path("knowledge-bases/<str:kb_id>/documents", views.DocumentList.as_view(), name="document-list"),
    path("knowledge-bases/<str:kb_id>/documents/<str:document_id>", views.DocumentDetail.as_view(),
         name="document-detail"),
    path("knowledge-bases/<str:kb_id>/documents/<str:document_id>/reindex", views.DocumentReindex.as_view(),
         name="document-reindex"),
    path("knowledge-bases/<str:kb_id>/query", views.KnowledgeBaseQuery.as_view(), name="knowledge-base-query"),
]
