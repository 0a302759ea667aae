"""What each audit action code means to a person (Danish): for the audit screen, the CLI, the indsigt report
and the chain check's messages. Codes not listed are shown as they are."""

from __future__ import annotations

ACTION_LABELS = {
    "search": "Søgning",
    "read": "Opslag",
    "audit_view": "Revisionsspor set",
    "create": "Oprettet",
    "update": "Ændret",
    "import": "Import af borgere",
    "delete": "Slettet",
    "resolve": "Konflikt afgjort",
    "sweep": "Automatisk opfølgning",
    "repair": "Reparation",
    "export": "Udtræk",
    "print": "Udskrift",
    "indsigt": "Indsigtsrapport",
    "purge": "Sletning (GDPR)",
    "login": "Logget ind",
    "logout": "Logget ud",
    "login_failed": "Forkert adgangskode",
    "password_changed": "Adgangskode skiftet",
    "password_change_failed": "Adgangskode ikke skiftet",
    "password_reset": "Adgangskode nulstillet",
    "password_rehash": "Adgangskode genberegnet",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
