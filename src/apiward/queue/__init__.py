"""Scheduled and distributed scans: jobs on procrastinate, a PostgreSQL-backed job queue.

``apiward scheduler`` enqueues each API's due cron slots (``schedule``); ``apiward
worker`` runs them (``worker``, the job itself in ``job``) and tells webhooks about new
and regressed high findings (``notify``), with the worker's ``settings``. The queue
(``connection``, and ``app`` for procrastinate) holds only job ids:
which API, when and with what is in the store, which also makes a job run once
(``apiward.store.jobs``). Nothing here is imported before a verb that needs it runs.
"""
