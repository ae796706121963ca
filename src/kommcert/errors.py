"""Errors a user can cause. Each carries a German and an English one-line message.

Delivery layers turn them into 4xx responses, form messages or CLI exit code 2.
"""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, de: str, en: str | None = None) -> None:
        super().__init__(en or de)
        self.de = de
        self.en = en or de

    def message(self, locale: str = "de") -> str:
        return self.de if locale == "de" else self.en

    @classmethod
    def with_status(cls, de: str, en: str, status_code: int) -> DomainError:
        """An error that happened elsewhere (a job), answered with the status it had there."""
        error = cls(de, en)
        error.status_code = status_code if 400 <= status_code < 600 else 400
        return error


class InvalidInput(DomainError):
    status_code = 422


class NotFound(DomainError):
    status_code = 404

    def __init__(self, de: str = "Nicht gefunden.", en: str = "Not found.") -> None:
        super().__init__(de, en)


class PermissionDenied(DomainError):
    """For things the actor knows exist (own org's users) but may not change."""

    status_code = 403

    def __init__(self, de: str = "Keine Berechtigung.", en: str = "Permission denied.") -> None:
        super().__init__(de, en)


class TooLarge(DomainError):
    status_code = 413


class Conflict(DomainError):
    status_code = 409


class AuthenticationFailed(DomainError):
    status_code = 401

    def __init__(
        self,
        de: str = "Anmeldung fehlgeschlagen.",
        en: str = "Authentication failed.",
    ) -> None:
        super().__init__(de, en)


class Throttled(DomainError):
    status_code = 429

    def __init__(
        self,
        de: str = "Zu viele Fehlversuche. Bitte später erneut versuchen.",
        en: str = "Too many failed attempts. Please try again later.",
    ) -> None:
        super().__init__(de, en)
