"""Åben Rådgivning: a terminal app for outreach employment offices in Danish social housing areas.

Glossary of Danish terms of art used in identifiers and docs:
- *åben rådgivning*: open counsel, the drop-in counter in the housing area (a "walk-in" in code).
- *jobkonsulent*: the municipal job consultant who holds the authority (myndighed) over the case.
- *jobformidler*: the personal job broker who matches citizens with companies and follows up.
- *boligsocial medarbejder*: housing-social worker employed by the housing organisation, not the municipality.
- *trin*: a step of the intervention model (afklaring, på vej mod job, virksomhedsforløb).
- *virksomhedspraktik*: an unpaid, time-limited internship at a company.
"""

__version__ = "0.1.0"
