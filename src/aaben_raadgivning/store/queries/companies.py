"""Reading companies: search by name (folded like citizen search) or CVR, and a company's page with its
contact persons and its agreements, active and past (a limited page each, with counts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import func, select

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.codes import AgreementStatus
from aaben_raadgivning.domain.text import index_terms, query_terms
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Agreement, Citizen, Company, CompanyContact
from aaben_raadgivning.store.queries.viewer import AGREEMENTS, Viewer

ACTIVE_STATUSES = (AgreementStatus.UDKAST, AgreementStatus.AKTIV)
PAST_STATUSES = (AgreementStatus.AFSLUTTET, AgreementStatus.AFBRUDT)


@dataclass(frozen=True)
class CompanyHit:
    id: str
    name: str
    cvr: str
    industry: str


@dataclass(frozen=True)
class AgreementRow:
    id: str
    citizen_name: str
    course_kind: str
    status: str
    status_reason: str
    version: int
    start_date: date | None
    end_date: date | None
    schedule: str


@dataclass(frozen=True)
class CompanyDetail:
    company: Company
    contacts: list[CompanyContact]
    active: list[AgreementRow]
    past: list[AgreementRow]
    active_count: int
    past_count: int


@lru_cache(maxsize=50_000)
def _name_terms(name: str) -> tuple[str, ...]:
    return tuple(index_terms(name))


def _digits(query: str) -> str:
    text = query.strip().upper().removeprefix("DK")
    return "".join(c for c in text if c not in " -.")


def search_companies(db: Database, query: str, limit: int = 20) -> list[CompanyHit]:
    """Companies whose CVR starts with the typed digits, or whose name has a word starting with each typed
    word (case, accents and æ/ø/å spellings folded)."""
    digits = _digits(query)
    columns = (Company.id, Company.name, Company.cvr, Company.industry)
    with db.session() as session:
        if digits.isdigit():
            rows = session.execute(
                select(*columns)
                .where(Company.deleted_at.is_(None), Company.cvr.like(digits + "%"))
                .order_by(Company.name)
                .limit(limit)
            ).all()
            return [CompanyHit(*row) for row in rows]
        terms = query_terms(query)
        query_rows = select(*columns).where(Company.deleted_at.is_(None)).order_by(Company.name)
        hits = []
        for row in session.execute(query_rows):
            if terms:
                words = _name_terms(row.name)
                if not all(any(word.startswith(term) for word in words) for term in terms):
                    continue
            hits.append(CompanyHit(*row))
            if len(hits) >= limit:
                break
        return hits


def _agreement_rows(
    session, company_id: str, statuses: tuple[str, ...], limit: int, viewer: Viewer, today: date
) -> list[AgreementRow]:
    """The company's agreements, each only if the viewer may read that citizen's agreements (one consent
    query for the list)."""
    rows = session.execute(
        select(
            Agreement.citizen_id, Agreement.id, Citizen.name, Agreement.course_kind, Agreement.status, Agreement.status_reason, Agreement.version,
            Agreement.start_date, Agreement.end_date, Agreement.schedule,
        )
        .join(Citizen, Citizen.id == Agreement.citizen_id)
        .where(Agreement.company_id == company_id, Agreement.status.in_(statuses), Agreement.deleted_at.is_(None))
        .order_by(Agreement.start_date.desc(), Agreement.created_at.desc())
        .limit(limit)
    ).all()  # fmt: skip
    scopes = viewer.scopes_for_many(session, (row[0] for row in rows), today)
    return [AgreementRow(*row[1:]) for row in rows if AGREEMENTS in scopes[row[0]]]


def company_detail(db: Database, company_id: str, limit: int = 50, *, viewer: Viewer) -> CompanyDetail | None:
    """The company, its contacts and its agreements (citizens' names only where the viewer may read them)."""
    today = local_date(db.now())
    with db.session() as session:
        company = session.get(Company, company_id)
        if company is None or company.deleted_at is not None:
            return None
        contacts = list(
            session.scalars(
                select(CompanyContact)
                .where(CompanyContact.company_id == company_id, CompanyContact.deleted_at.is_(None))
                .order_by(CompanyContact.name)
            )
        )
        counts = dict(
            session.execute(
                select(Agreement.status, func.count())
                .where(Agreement.company_id == company_id, Agreement.deleted_at.is_(None))
                .group_by(Agreement.status)
            ).all()
        )
        return CompanyDetail(
            company=company,
            contacts=contacts,
            active=_agreement_rows(session, company_id, ACTIVE_STATUSES, limit, viewer, today),
            past=_agreement_rows(session, company_id, PAST_STATUSES, limit, viewer, today),
            active_count=sum(counts.get(s, 0) for s in ACTIVE_STATUSES),
            past_count=sum(counts.get(s, 0) for s in PAST_STATUSES),
        )


def company_contacts(db: Database, company_id: str) -> list[CompanyContact]:
    with db.session() as session:
        return list(
            session.scalars(
                select(CompanyContact)
                .where(CompanyContact.company_id == company_id, CompanyContact.deleted_at.is_(None))
                .order_by(CompanyContact.name)
            )
        )
