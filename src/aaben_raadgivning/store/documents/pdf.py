"""The app's PDF page (fpdf2): A4, DejaVu Sans embedded, a numbered footer («… · side 1 af 2»), and the
few text helpers every printed document uses (the agreement, «Min plan», the indsigt report, the results).

The font is vendored in ``assets/fonts`` with its licence (DejaVu Sans, regular and bold; Bitstream Vera
licence, DejaVu changes public domain). It covers Latin with every diacritic (Turkish ş ı ğ, Polish ł ż ń,
Vietnamese ễ ă ơ), Greek, Cyrillic, Hebrew and Arabic letters, so a name prints as it is written — no
Latin-1 fallback, no «?». fpdf2 embeds only the glyphs a document uses (a few dozen kB).

Text is NFC-normalised first (a decomposed «e + ◌̃ + ◌̂» becomes the one glyph «ễ»). Arabic needs more than
glyphs: its letters join and run right to left. fpdf2 does that with HarfBuzz (``set_text_shaping``), which
needs the ``uharfbuzz`` package; when it is installed, shaping is switched on, otherwise Arabic prints as
separate letters in the wrong order (Latin scripts are unaffected). A character the font lacks (e.g. Chinese)
is left out (fpdf2's warning about it is kept out of the log: it would quote the text), never an error.

fpdf2 is imported by the documents only when they render a PDF (start-up time of the command line).
"""

from __future__ import annotations

import importlib.util
import logging
import unicodedata
from importlib import resources
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "DejaVu"
FONT_DIR = Path(str(resources.files("aaben_raadgivning.assets").joinpath("fonts")))
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
MAKER = "Åben Rådgivning"
ACCENT = (20, 60, 120)

# fpdf2 logs every glyph the font lacks (and fontTools its subsetting) at WARNING/INFO: keep it to errors.
logging.getLogger("fpdf.output").setLevel(logging.ERROR)
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


def shaping_available() -> bool:
    """True when HarfBuzz (``uharfbuzz``) is installed, so Arabic letters join and run right to left."""
    return importlib.util.find_spec("uharfbuzz") is not None


def clean(text: str) -> str:
    """NFC (one glyph per letter), tabs as spaces and no control characters (fpdf2 would print them as boxes)."""
    text = unicodedata.normalize("NFC", text).replace("\t", "    ").replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc")


class DocumentPdf(FPDF):
    """An A4 document with DejaVu Sans, the title in the metadata and a numbered footer on every page.
    ``footer_title`` is the text before «· side n af m» (the title by default)."""

    def __init__(self, title: str, *, author: str = MAKER, footer_title: str | None = None) -> None:
        super().__init__(format="A4")
        for style, name in FONT_FILES.items():
            self.add_font(FONT, style, FONT_DIR / name)
        if shaping_available():  # (a dependency; still optional here so a damaged install prints Latin names)
            self.set_text_shaping(True)
        self.footer_title = clean(footer_title if footer_title is not None else title)
        self.set_title(clean(title))
        self.set_author(clean(author or MAKER))
        self.set_creator(MAKER)
        self.set_lang("da-DK")
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()
        self.add_page()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(110)
        self.cell(0, 5, f"{self.footer_title} · side {self.page_no()} af {{nb}}", align="C")

    @property
    def width(self) -> float:
        """The width between the margins."""
        return self.w - self.l_margin - self.r_margin

    def font(self, size: float = 10, style: str = "") -> None:
        """DejaVu Sans in ``size``; ``style`` "B" for bold (there is no italic: the text is set upright)."""
        self.set_font(FONT, "B" if "B" in style else "", size)

    def text_block(self, value: str, size: float = 10, style: str = "", height: float = 5.2) -> None:
        """A paragraph across the page (wrapped), then the next line."""
        self.font(size, style)
        self.multi_cell(self.width, height, clean(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, value: str, *, keep_with: float = 45) -> None:
        """A section heading with a rule under it; a new page first when less than ``keep_with`` mm is left."""
        if self.get_y() > self.h - keep_with:
            self.add_page()
        self.ln(3)
        self.set_text_color(*ACCENT)
        self.text_block(value, 12, "B", 7)
        self.set_draw_color(*ACCENT)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.width, self.get_y())
        self.set_text_color(0)
        self.ln(2)

    def muted(self, value: str, size: float = 9, height: float = 5.2) -> None:
        """A grey paragraph (subtitles, notes)."""
        self.set_text_color(90)
        self.text_block(value, size, "", height)
        self.set_text_color(0)

    def bullets(self, items: list[str], empty: str) -> None:
        """One line per item with a dash, or ``empty`` when there are none."""
        for item in items:
            self.text_block(f"–  {item}")
        if not items:
            self.text_block(empty)

    def to_bytes(self) -> bytes:
        return bytes(self.output())


def bold_face():
    """The table cell style for bold rows (sums)."""
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD")
