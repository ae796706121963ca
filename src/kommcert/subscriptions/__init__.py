"""Subscriptions ("Abonnements"): what an organisation pulls from outside sources (TAXII 2.1
collections, MISP feeds, CSV and plain-text lists) into reports of its own. ``/feeds`` is the
outgoing side."""
