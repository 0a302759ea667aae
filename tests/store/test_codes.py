"""The codes the store branches on are the strings the database holds, and agree with the reference data."""

from __future__ import annotations

from aaben_raadgivning.domain.agreements import load_agreement_data
from aaben_raadgivning.domain.codes import AgreementStatus, EventKind, FollowUpStatus, SubGoalStatus
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.text import TOO_LONG, too_long
from aaben_raadgivning.store.models import Agreement, FollowUpTask, SubGoal


def test_members_are_the_stored_strings():
    assert AgreementStatus.AKTIV == "aktiv" and f"{AgreementStatus.AKTIV}" == "aktiv"
    assert {"aktiv": 1}[SubGoalStatus.AKTIV] == 1  # same hash as the plain string
    assert FollowUpStatus.OPEN in {"open"}


def test_agreement_statuses_are_the_reference_vocabulary():
    assert {s.code for s in load_agreement_data().statuses} == set(AgreementStatus)


def test_every_event_kind_the_code_uses_is_in_the_reference_data():
    assert set(EventKind) <= {term.code for term in load_reference().event_kinds.terms}


def test_column_defaults_are_unchanged():
    assert Agreement.__table__.c.status.server_default.arg == "udkast"
    assert SubGoal.__table__.c.status.default.arg == "aktiv"
    assert FollowUpTask.__table__.c.status.default.arg == "open"


def test_too_long_counts_characters_and_words_the_message():
    assert too_long("a" * 500, 500) is None
    assert too_long("a" * 501, 500) == TOO_LONG.format(limit=500) == "Teksten er for lang (højst 500 tegn)."
    assert too_long("æ" * 3, 2, "Navnet er for langt (højst {limit} tegn).") == "Navnet er for langt (højst 2 tegn)."
