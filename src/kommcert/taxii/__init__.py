"""The TAXII 2.1 server (``/taxii2/``): collections over the indicator hub, paged by a keyset cursor.

Delivery is :mod:`kommcert.api.taxii`; this package holds media types and negotiation (``media``), the
error message object (``errors``), the signed cursor (``cursor``), credentials (``auth``), the
collections (``collections``), the object pages, manifest and versions (``objects``), POSTed envelopes
(``ingest``) and the stored status resources (``models``). See docs/architecture.md, "TAXII 2.1 server".
"""
