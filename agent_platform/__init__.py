"""Django project package of the agent platform (settings, urls, ASGI/WSGI, embedded services)."""
