"""Signed webhooks from a transactional outbox (CONTRACT.md, "Pictures and events").

A service writes an event into its own ``outbox_events`` table in the same transaction as the change
it reports (:func:`~zdrav_shared.webhooks.outbox.emit`). A background worker
(:class:`~zdrav_shared.webhooks.worker.DeliveryWorker`) fans each event out to the matching
subscriptions and POSTs it, signed with HMAC-SHA256 of the body, retrying with backoff for 24 hours;
delivery is at least once and in order per subject. :func:`~zdrav_shared.webhooks.router.webhooks_router`
serves ``/v1/webhooks`` (subscribe, list, the delivery log, replay).

Every service owns its tables (:func:`~zdrav_shared.webhooks.tables.webhook_tables` on its own
metadata, created by its own migration); the code that moves them is the same everywhere.
"""
