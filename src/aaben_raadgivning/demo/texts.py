"""The demo's made-up texts: names, phone patterns, event kinds and their weights, notes, outcomes."""

from __future__ import annotations

# --- the texts --------------------------------------------------------------------------------
# Names common among residents of Danish social housing areas with roots outside Denmark, grouped
# by language so that first and last names go together: (male first names, female first names, last names).
INTERNATIONAL_NAMES = (
    (("Mohammed", "Ahmad", "Khalid", "Bilal", "Hamza", "Omar", "Jamal", "Samir", "Ibrahim"),
     ("Fatima", "Aisha", "Layla", "Maryam", "Nour", "Rania", "Samira", "Hanan", "Yasmin"),
     ("Ahmed", "Mahmoud", "Ibrahim", "Al-Sayed", "Haddad", "Khalil", "Saleh", "Hassan", "Hussein")),
    (("Abdi", "Abdirahman", "Mohamed", "Yusuf", "Hassan", "Ali"),
     ("Hodan", "Fadumo", "Hibo", "Amina", "Sahra", "Ifrah"),
     ("Abdullahi", "Farah", "Jama", "Osman", "Nur", "Warsame")),
    (("Mehmet", "Mustafa", "Hüseyin", "Emre", "Murat", "Ahmet"),
     ("Ayşe", "Emine", "Zeynep", "Elif", "Fatma", "Hatice"),
     ("Yilmaz", "Kaya", "Demir", "Öztürk", "Çelik", "Aydin")),
    (("Dilshad", "Karwan", "Rebwar", "Azad"),
     ("Rojin", "Dilan", "Leyla", "Shilan"),
     ("Karim", "Rashid", "Mustafa", "Abdullah")),
    (("Reza", "Amir", "Mohammad", "Ali", "Hamid"),
     ("Shirin", "Parisa", "Zahra", "Maryam", "Fereshte"),
     ("Rahimi", "Hosseini", "Karimi", "Ahmadi", "Mohammadi")),
    (("Dawit", "Yonas", "Tesfay", "Filmon"),
     ("Meron", "Selam", "Helen", "Senait"),
     ("Tesfaye", "Gebremedhin", "Haile", "Berhane")),
    (("Imran", "Faisal", "Tariq", "Usman"),
     ("Saima", "Ayesha", "Nadia", "Sana"),
     ("Khan", "Iqbal", "Butt", "Malik")),
    (("Oleksandr", "Andrii", "Dmytro", "Serhii"),
     ("Olena", "Iryna", "Natalia", "Oksana"),
     ("Kovalenko", "Shevchenko", "Bondarenko", "Melnyk")),
)  # fmt: skip
PHONE_PATTERNS = tuple(f"{first}#######" for first in "23456789")
LANGUAGES = ("arabisk", "somali", "tyrkisk", "kurdisk", "farsi", "urdu", "tigrinya", "ukrainsk")
JOBS = (
    "lager og logistik", "rengøring", "køkken og kantine", "butik", "pædagogmedhjælper", "chauffør",
    "social- og sundhedshjælper", "gartner og grønne områder", "bygge og anlæg", "frisør", "vicevært",
    "tøjbutik", "bageri", "pakkeri", "hotel og housekeeping",
)  # fmt: skip
MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
    "november", "december",
)  # fmt: skip
SUBGOALS = (
    "møde til tiden tre dage om ugen",
    "tage bussen selv til praktikstedet",
    "deltage i danskundervisning to gange om ugen",
    "ringe, hvis der er forhindringer, inden kl. 9",
    "øge arbejdstiden med to timer om ugen",
    "lave et CV sammen med jobformidleren",
    "besøge to virksomheder inden næste samtale",
)
PARALLEL = (
    "Henvist til gældsrådgivning i boligområdet",
    "Parallel indsats: helbredsafklaring hos egen læge",
    "Henvist til familietilbud i kommunen",
    "Parallel indsats: kontakt til sundhedskoordinator",
    "Parallel indsats: hjælp til ansøgning om boligstøtte",
    "Henvist til mentor i beboerhuset",
)

# Event kind → (summary templates, who usually writes it).
EVENT_TEXTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "samtale": (
        (
            "Opfølgende samtale om jobmål og delmål",
            "Samtale om praktikforløb hos {company}",
            "Samtale om helbred og hverdag – borgeren vil gerne videre",
            "Jobsamtale – planen gennemgået sammen med borgeren",
            "Samtale med tolk ({language})",
            "Fælles samtale med jobformidler om næste skridt",
        ),
        ("JK", "JF"),
    ),
    "telefon": (
        (
            "Telefonsamtale: aftalt møde {day}",
            "Ringede til borgeren – ingen svar, lagt besked",
            "Borgeren ringede om brev fra Ydelsesservice",
            "Telefonopfølgning på praktikken hos {company}",
        ),
        ("JK", "JF"),
    ),
    "sms": (
        (
            "SMS: påmindelse om møde {day} kl. {clock}",
            "SMS sendt med tid til samtale {day}",
            "SMS: tak for i dag – næste møde {day}",
        ),
        ("JK", "JF"),
    ),
    "virksomhedsbesoeg": (
        (
            "Besøg hos {company} sammen med borgeren",
            "Virksomhedsbesøg: {company} – mulig praktik inden for {job}",
            "Opfølgning på arbejdspladsen hos {company}",
        ),
        ("JF",),
    ),
    "opsoegende": (
        (
            "Hjemmebesøg – borgeren var hjemme, samtale aftalt",
            "Opsøgende besøg på {address} – ingen hjemme, seddel i postkassen",
            "Mødte borgeren i beboerhuset; aftalt at komme forbi skranken",
        ),
        ("BM", "JK"),
    ),
    "udeblivelse": (("Udeblev fra samtale {day}", "Udeblev fra aftalt møde hos {company}"), ("JK", "JF")),
    "cv": (
        ("CV opdateret med erfaring inden for {job}", "CV lavet sammen med borgeren", "CV lagt på Jobnet"),
        ("JF",),
    ),
    "jobmaal": (("Jobmål: {job}", "Jobmål justeret til {job}"), ("JF", "JK")),
    "jobformidler": (("Jobformidler tildelt: Jakob Frederiksen",), ("JK",)),
    "visitation": (("Visitation: optaget i projektet",), ("JK",)),
    "trin": (("Trin 1 – Afklaring påbegyndt", "Trin 2 – På vej mod job", "Trin 3 – Virksomhedsforløb"), ("JK",)),
    "aftale": (
        (
            "Aftale med {company}: {hours} timer om ugen, heraf {ordinary} ordinære",
            "Aftale om virksomhedspraktik hos {company} i {weeks} uger",
        ),
        ("JF",),
    ),
    "timer": (("{hours} ordinære timer i {month}", "Timeseddel fra {company}: {hours} timer i {month}"), ("JF",)),
    "delmaal": (("Delmål: {subgoal}", "Delmål nået: {subgoal}"), ("JF", "JK")),
    "partshoering": (("Partshøring sendt om manglende fremmøde",), ("JK",)),
    "sanktion": (("Sanktion efter konkret vurdering og forsøg på personlig kontakt",), ("JK",)),
    "parallel_indsats": (PARALLEL, ("BM", "JK")),
    "rehab": (("Sagen forberedt til rehabiliteringsteamet",), ("JK",)),
    "underretning": (("Underretning sendt til socialforvaltningen",), ("JK",)),
    "note": (
        (
            "Note: borgeren har nyt telefonnummer",
            "Note: tolkebehov ({language})",
            "Note: flyttet inden for boligområdet",
            "Note: borgeren foretrækker kontakt om formiddagen",
        ),
        ("JK", "JF", "BM"),
    ),
}
# How often each kind occurs after the first steps (visitation, jobformidler, jobmål).
EVENT_WEIGHTS = {
    "samtale": 25, "telefon": 15, "sms": 12, "virksomhedsbesoeg": 6, "opsoegende": 5,
    "cv": 3, "jobmaal": 2, "aftale": 4, "timer": 6, "delmaal": 6, "partshoering": 0.6,
    "sanktion": 0.2, "parallel_indsats": 3, "rehab": 0.3, "underretning": 0.1, "note": 8,
}  # fmt: skip
FIRST_EVENTS = ("visitation", "jobformidler", "jobmaal")
# Step changes («trin») are not drawn: they follow from the record's step (demo.generator._step_events).
# Fremmøde: a samtale is missed (udeblivelse) with a chance depending on who holds it, varied per month, so the
# attendance rate lies around the goal (70 %): above it for some months and staff, below for others.
NO_SHOW_RATE = {"JK": 0.31, "JF": 0.24}
NO_SHOW_MONTH_SPREAD = 0.08  # ± this much per calendar month
DETAILS = (
    "",
    "",
    "",
    "Borgeren ønsker at arbejde inden for {job}. Vi ser på praktik hos {company}.",
    "Aftalt at borgeren selv ringer, hvis der opstår forhindringer.",
    "Borgeren er motiveret, men bekymret for transporten. Vi ser på buskort.",
    "Gennemgået planen; næste skridt er et virksomhedsbesøg.",
)

WALK_IN_REASON_WEIGHTS = {
    "post": 25, "ydelse": 15, "job": 15, "aktivering": 10, "aftale": 12, "praktik": 8, "akut": 8, "andet": 7,
}  # fmt: skip
ANONYMOUS_NOTES = {
    "post": "Ønsker ikke at oplyse navn. Har brev fra Udbetaling Danmark med.",
    "ydelse": "Vil ikke oplyse navn; spørger generelt til regler for kontanthjælp.",
    "job": "Anonym henvendelse: spørger til jobmuligheder i området.",
    "aktivering": "Vil ikke oplyse navn; spørger til, hvordan man ændrer et aktiveringsforløb.",
    "aftale": "Anonym: vil høre, hvordan man flytter et møde.",
    "praktik": "Anonym: spørger til praktik hos en lokal virksomhed.",
    "akut": "Ønsker ikke at oplyse navn. Har fået varsel om udsættelse fra boligen.",
    "andet": "Anonym henvendelse: spørger til tilbud i beboerhuset.",
}
ARRIVAL_NOTES = ("", "", "", "Har brev med.", "Vil gerne tale med Jette.", "Kommer sammen med sin søster.")
OUTCOMES = {
    "post": (
        "Hjalp med at læse og besvare brev fra Udbetaling Danmark.",
        "Gennemgik post i e-Boks sammen med borgeren; intet der haster.",
    ),
    "ydelse": (
        "Forklarede nedsættelsen af kontanthjælpen; borgeren kontakter Ydelsesservice.",
        "Hjalp med ansøgning om enkeltydelse.",
    ),
    "job": ("Opdaterede CV og søgte to stillinger på Jobnet.", "Talte om jobmål; aftalt samtale med jobformidler."),
    "aktivering": (
        "Aktiveringsforløbet tilpasses; jobkonsulenten kontakter udbyderen.",
        "Borgeren ønsker andet forløb; aftalt samtale.",
    ),
    "aftale": ("Mødet er flyttet til næste uge.", "Ny tid aftalt; SMS-påmindelse sendt."),
    "praktik": (
        "Talte om praktikken; virksomheden kontaktes om flere timer.",
        "Aftalt virksomhedsbesøg sammen med jobformidler.",
    ),
    "akut": (
        "Kontakt til boligselskabet om restance; aftale om afdrag.",
        "Hjalp med at kontakte lægen; opfølgning i morgen.",
    ),
    "andet": ("Henvist til rådgivning i beboerhuset.", "Vejledning givet; ingen videre opfølgning."),
}
CANCEL_NOTES = ("Gik inden vi nåede at tale sammen.", "Måtte hente børn; kommer igen.", "")
FOLLOW_UPS = (
    ("personlig_kontakt", "Borgeren udeblev – ring eller besøg borgeren personligt."),
    ("manuel", "Månedlig opfølgning med borgeren (første år i virksomhedsforløb)."),
    ("manuel", "Følg op på praktikken hos {company}."),
    ("manuel", "Tjek om CV er lagt på Jobnet."),
    ("tilbagemelding", "Giv borgeren svar om buskort til praktikstedet."),
)
WALK_IN_FOLLOW_UP = "Vend tilbage til borgeren om henvendelsen fra {day}."
