"""Websocket routes (filled by the runs app)."""
websocket_urlpatterns: list = []
