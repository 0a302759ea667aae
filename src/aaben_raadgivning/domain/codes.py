"""The status and kind codes the code itself branches on, as StrEnums.

Members are ``str``: they are stored, compared and serialised as exactly the strings the database has
always held, so a column stays ``str`` and no migration is needed. Vocabularies that are data (labels,
allowed transitions, event kinds a user picks from) live in assets/reference.toml; only the codes that
some ``if`` or query depends on are named here, so a typo is an AttributeError instead of a silent miss.
"""

from __future__ import annotations

from enum import StrEnum


class AgreementStatus(StrEnum):
    """An agreement's life (allowed moves are data: reference.toml): "udkast" (draft, being written),
    "aktiv" (signed and running), "afsluttet" (ended as planned, or replaced by a renegotiated version),
    "afbrudt" (broken off early)."""

    UDKAST = "udkast"
    AKTIV = "aktiv"
    AFSLUTTET = "afsluttet"
    AFBRUDT = "afbrudt"


class SubGoalStatus(StrEnum):
    """A delmål (sub-goal of a citizen's plan): "aktiv" (being worked on), "naaet" (reached),
    "opgivet" (given up)."""

    AKTIV = "aktiv"
    NAAET = "naaet"
    OPGIVET = "opgivet"


class FollowUpStatus(StrEnum):
    """A follow-up task ("opfølgning"): open until it is done; removed tasks are tombstoned, not given
    a status of their own."""

    OPEN = "open"
    DONE = "done"


class WalkInTransitionKind(StrEnum):
    """One step in a walk-in's ("åben rådgivning" visitor's) visit: helped from "start", ended by
    "finish" or "cancel" (left without help), and "link" when the visitor is tied to a citizen record."""

    START = "start"
    FINISH = "finish"
    CANCEL = "cancel"
    LINK = "link"


class ConflictChoice(StrEnum):
    """How a sync conflict on one field was resolved: "vinder" (keep the winning, current value),
    "taber" (take the losing value), "flettet" (merged: a value typed by the user)."""

    VINDER = "vinder"
    TABER = "taber"
    FLETTET = "flettet"


class EventKind(StrEnum):
    """The timeline event kinds the code itself writes or reasons about (the full list, with labels and
    which count as contact, is data: reference.toml "event_kinds"). "udeblivelse" is a no-show, "afbud" a
    cancellation in advance by the citizen (not a no-show: no sanction ground, no personal-contact task),
    "jobsamtale" a job interview (LAB § 31), "samtale" and "personligt_moede" kept appointments,
    "skriftlig_vejledning" written guidance before a sanction, "sanktion" the sanction itself, "delmaal" a
    sub-goal note, "aftale" an agreement note, "jobformidler" a change of job broker, "aaben_raadgivning" a
    walk-in visit, "visitation" the jobkonsulent's visitation, "underretning" a report to the social services,
    "trin" a change of step, "rehab" the move to the rehabilitation route, "jobmaal" a new job goal, "cv"
    a change of the CV's status, "samtykke" a consent registered, renewed or withdrawn and "udfald" an exit
    outcome (job, education, moved away …) recorded."""

    UDEBLIVELSE = "udeblivelse"
    AFBUD = "afbud"
    JOBSAMTALE = "jobsamtale"
    SAMTALE = "samtale"
    PERSONLIGT_MOEDE = "personligt_moede"
    SKRIFTLIG_VEJLEDNING = "skriftlig_vejledning"
    SANKTION = "sanktion"
    DELMAAL = "delmaal"
    AFTALE = "aftale"
    JOBFORMIDLER = "jobformidler"
    AABEN_RAADGIVNING = "aaben_raadgivning"
    VISITATION = "visitation"
    UNDERRETNING = "underretning"
    TRIN = "trin"
    REHAB = "rehab"
    JOBMAAL = "jobmaal"
    CV = "cv"
    SAMTYKKE = "samtykke"
    UDFALD = "udfald"
