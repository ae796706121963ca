"""The discussion of a shared object: comments and attached files, for reports and warnings alike.

A :class:`~kommcert.discussion.kinds.Thread` describes one kind (its parent model, comment and file
models, the parent's foreign-key column, the audit object type and the URLs); the use cases in
:mod:`kommcert.discussion.service` take a thread and apply the same rules to every kind.
"""
