"""The URL patterns of a kind's REST API (names `<kind>-list`, `<kind>-detail`,
`<kind>-version-list`, `<kind>-version-detail`, `<kind>-promote`)."""
from __future__ import annotations

from django.urls import URLPattern, path

from agent_platform.definitions.api.views import DefinitionApi

ROUTES = {"list": ("", "list"), "detail": ("/<str:{param}>", "detail"),
          "versions": ("/<str:{param}>/versions", "version-list"),
          "version": ("/<str:{param}>/versions/<int:number>", "version-detail"),
          "promote": ("/<str:{param}>/promote", "promote")}


def definition_urlpatterns(api: DefinitionApi) -> list[URLPattern]:
    patterns = []
    for name, view in api.views.items():
        route, url_name = ROUTES[name]
        patterns.append(path(api.kind.url_prefix + route.format(param=api.url_param), view.as_view(),
                             name=f"{api.kind.name}-{url_name}"))
    return patterns
