"""The versioned-definition layer: one implementation of "a mutable named definition around
immutable, content-hashed versions, with dev/stage/prod pointers and audited promotions".

A kind (agents, workflows, custom tools; datasets next) declares a `DefinitionKind` beside its
models, an `DefinitionApi` in its `api/`, and admin classes over `definitions.admin`. See
docs/decisions/0006-versioned-definitions.md.

- models.py      abstract models (definition, version, environment pointer, promotion)
- kinds.py       `DefinitionKind`: what a kind declares
- services.py    writes: create/update/delete a definition, create a version, promote
- gates.py       the promotion gate registry (evals plugs its thresholds in here)
- selectors.py   reads: find/get, versions, pinned-version resolution, environment numbers
- errors.py      typed domain errors (gate refusal, promotion forbidden)
- api/           one serializer set + views + URL patterns, configured per kind
- admin.py, admin_views.py, admin_forms.py, diff.py   one admin base and its pages
"""
