"""OpenAI-compatible access to agents and workflows: `POST /v1/chat/completions`, `GET /v1/models`
(see docs/openai-compatible.md). `app.application` is the ASGI app."""
