"""Agent platform execution engine: pure Python, no Django imports.

Storage, queues and streaming are reached only through the small protocols in
`runtime.store` and `runtime.events`; the Django apps (`runs/`, `tools/`, `rag/`) implement them.
"""
