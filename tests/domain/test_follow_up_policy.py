"""follow_up_policy.toml: the lists the follow-up rules work with are data, read and checked in Danish."""

from __future__ import annotations

import pytest

from aaben_raadgivning.domain.follow_up_policy import PolicyError, load_policy, parse_policy
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.step_models import load_step_model

GOOD = """
[monthly_contact]
event_kinds = ["telefon"]
staff_roles = ["jobformidler"]

[[routes]]
kind = "rehab"
outcomes = ["rehab", "fleksjob_afklaring"]
status = "Sendt til afklaring"
"""


def test_the_shipped_policy_has_the_seeds_defaults():
    """Seeds 000 KE 7 / 003 KE 4: personal contact (meeting, phone, home visit, the counter), by a jobformidler."""
    policy = load_policy()
    monthly = policy.monthly_contact
    assert monthly.event_kinds == {"samtale", "telefon", "personligt_moede", "opsoegende", "jobsamtale",
                                   "aaben_raadgivning"}  # fmt: skip
    assert "sms" not in monthly.event_kinds and monthly.staff_roles == {"jobformidler"}
    assert monthly.assigned_jobformidler and "seed 000" in monthly.source
    personal = {t.code for t in load_reference().event_kinds.terms if t.personal}
    assert monthly.event_kinds <= personal  # the completion check's stand-in ("personal") is never looser
    assert policy.route_kind("rehab") == "rehab" and policy.route_kind("underretning") == "underretning"
    assert policy.route_kind("projekt") == "" and policy.route_kind(None) == ""
    assert policy.route("rehab").status == "Sendt til rehabiliteringsteamet"
    assert "Seed 003" in policy.route("underretning").source


@pytest.mark.parametrize("model", ["flere_skal_med", "jobgaranti", "trappemodel"])
def test_every_shipped_step_model_s_outcomes_outside_the_project_have_a_route(model):
    step_model = load_step_model(model)
    outside = {o.code for o in step_model.visitation_outcomes if not o.enters_project}
    assert {load_policy().route_kind(code) for code in outside} == {"rehab", "underretning"}


def test_a_municipality_s_own_policy():
    policy = parse_policy(GOOD)
    assert policy.monthly_contact.counts("telefon", "jobformidler", by_assigned_jobformidler=False)
    assert not policy.monthly_contact.counts("samtale", "jobformidler", by_assigned_jobformidler=True)
    assert policy.route_kind("fleksjob_afklaring") == "rehab" and policy.route_kind("underretning") == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[monthly_contact]\nevent_kinds = ['brevdue']\nstaff_roles = []", "ukendte hændelsestyper: brevdue"),
        ("[monthly_contact]\nevent_kinds = ['telefon']\nstaff_roles = ['praest']", "ukendte roller: praest"),
        ("[monthly_contact]\nevent_kinds = []\n", "mindst én hændelsestype"),
        ("[monthly_contact]\nevent_kinds = ['telefon']\nstaff_roles = []\nassigned_jobformidler = false",
         "ingen kontakt ville tælle"),
        ("[[routes]]\nkind = 'x'\noutcomes = ['y']\nstatus = 'z'", "Afsnittet [monthly_contact] mangler"),
        (GOOD + "\n[[routes]]\nkind = 'sanktion'\noutcomes = ['a']\nstatus = 'b'", "kind skal være en af"),
        (GOOD + "\n[[routes]]\nkind = 'underretning'\noutcomes = ['rehab']\nstatus = 'b'", "både under"),
        (GOOD + "\n[[routes]]\nkind = 'underretning'\noutcomes = ['u']\nstatus = ' '", "status"),
        (GOOD + "\n[ekstra]\n", "Ukendte afsnit: ekstra"),
        ("not toml [", "ikke gyldig TOML"),
    ],
)  # fmt: skip
def test_bad_policies_are_refused_in_danish(text, message):
    with pytest.raises(PolicyError) as excinfo:
        parse_policy(text)
    assert message in excinfo.value.message
