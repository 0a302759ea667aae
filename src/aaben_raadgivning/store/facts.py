"""The facts of a citizen's record that step models' exit criteria are written over (domain.step_models.FACTS).

Facts the app cannot know yet are left out, so their criteria count as not met (agreements, follow-up
plans and ordinary hours arrive with the agreement editor).
"""

from __future__ import annotations

from aaben_raadgivning.store.models import Citizen


def citizen_facts(citizen: Citizen) -> dict[str, object]:
    return {
        "visitation": citizen.visitation or "",
        "cv_status": citizen.cv_status,
        "job_goal_set": bool(citizen.job_goal.strip()),
        "plan_made": bool(citizen.job_goal.strip() and (citizen.resources.strip() or citizen.barriers.strip())),
        "jobformidler_assigned": citizen.jobformidler_id is not None,
        "self_supporting": bool(citizen.self_supporting),
    }
