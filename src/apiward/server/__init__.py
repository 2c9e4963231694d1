"""The dashboard: ``apiward server`` serves pages and a JSON API over the store.

Modules, one concept each: ``tables`` and ``schema`` (the dashboard's own users, sessions,
API tokens and webhooks, migrated by their own Alembic lineage so the store's migrations
never meet them), ``users`` (argon2id passwords, roles), ``sessions`` (cookies and CSRF
tokens), ``tokens`` (API tokens for scripts and CI), ``throttle`` (login rate limits),
``headers`` (CSP and cross-site refusals), ``access`` (who may do what: a session or a
token), ``queries`` (what the pages read), ``charts`` (server-side SVG), ``pages``
(HTML), ``api`` and ``models`` (the JSON API) and ``app`` (putting it together).

Sections that bring their page and their JSON operations together (``page_router`` and
``api_router``): ``activity`` (what the guard refused), ``apis`` (an API's page, with
``inventory``), ``bulk`` (bulk triage; ``owasp`` is the findings list's OWASP filter),
``actions`` (scan now, retest, add an API), ``settings`` (users, ``webhooks``,
schedules) and ``api_tokens`` (each user's API tokens).
"""
