"""Per-recipient notifications about objects (incidents, reports …), built once for every capability.

``notify(db, event=…, subject_type=…, subject_id=…, recipients=[user ids])`` stores one row per
recipient and event (a dedup key refuses the same event twice for a user) and, for users who want
mail at once, queues one ``notifications.send`` job each, in the caller's transaction. The job
re-checks that the user may still see the object (``sharing.policy.can(VIEW)``), renders it in the
user's language, sends one message to one address with a Message-ID fixed by the notification, and
never puts the content of a TLP:RED object into the mail (subject and link only). Users who chose
the daily digest get one mail a day (``notifications.digest``, a periodic job).

A subject type is registered with ``registry.register(subject_type, loader, renderer)``.
"""

from __future__ import annotations

from kommcert.notifications.service import notify

__all__ = ["notify"]
