"""Ingestion beyond one machine: Dramatiq actors on Redis, the archive in PostgreSQL.

``nutgraf dispatch`` leases due feeds (``Store.claim_due_feeds``) and sends one message a
feed; ``nutgraf worker`` processes run the actors: a feed is fetched and parsed, each entry
goes on as its own message to be extracted, summarized, deduplicated and stored. Messages are
acknowledged after the work, and every step may run twice without storing anything twice, so
a worker killed mid-job only costs the job being done again.

Modules: ``config`` (settings, no Dramatiq), ``broker`` (the Redis broker), ``steps`` (the
work of each actor, plain functions), ``actors``, ``dispatcher``, ``worker``. Only this
package imports Dramatiq and redis: plain ``nutgraf`` never needs them.
"""
