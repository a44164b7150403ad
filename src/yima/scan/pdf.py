"""Print-ready PDFs: A4 signs (one facility per page) and A4 sheets of 3 x 8 labels.

A print shop has no Chinese fonts to lend, so a CJK TrueType font is embedded (reportlab embeds
the subset it uses, a few KB). It comes from settings.YIMA_CJK_FONT or from fontconfig; reportlab
refuses OpenType/CFF outlines (e.g. Noto Sans CJK), so only .ttf/.ttc files are tried. QR codes
are drawn as vector rectangles, so they stay sharp at any print size.
"""

import subprocess
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

from yima.facilities.models import Facility
from yima.scan.choices import Layout
from yima.scan.models import Label
from yima.scan.qr import facility_url, label_qrs

FONT = "yima-cjk"
# Tried in this order when YIMA_CJK_FONT is not set; any other TrueType font with Chinese follows.
PREFERRED_FAMILIES = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "AR PL UKai CN",
)
NO_FONT = (
    "No TrueType font with Chinese characters was found for the printable signs. Install one "
    "(Debian: apt-get install fonts-wqy-microhei) or set YIMA_CJK_FONT to the path of a .ttf or "
    ".ttc file. OpenType/CFF fonts such as Noto Sans CJK cannot be embedded by reportlab."
)

GREEN = HexColor("#17643a")
INK = HexColor("#1d2939")
MUTE = HexColor("#667085")
LINE = HexColor("#c0c6cf")
QUIET_ZONE = 4  # modules of white around a QR code, as ISO/IEC 18004 asks

_font_path: str | None = None


def _fontconfig_candidates() -> list[str]:
    """TrueType files with Chinese glyphs that fontconfig knows, preferred families first."""

    def run(*args: str) -> str:
        try:
            return subprocess.run(
                args, capture_output=True, text=True, timeout=10, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return ""

    chinese = {
        line.split(":")[0].strip()
        for line in run("fc-list", ":lang=zh", "file").splitlines()
        if line.strip()
    }
    chinese = {path for path in chinese if path.lower().endswith((".ttf", ".ttc"))}
    ordered = []
    for family in PREFERRED_FAMILIES:
        path = run("fc-match", "-f", "%{file}", family).strip()
        if path in chinese and path not in ordered:
            ordered.append(path)
    return ordered + sorted(chinese - set(ordered))


def _load(path: str) -> TTFont:
    return TTFont(FONT, path, subfontIndex=0)


def cjk_font() -> str:
    """Register the CJK font with reportlab (once per process) and return its name."""
    global _font_path
    configured = getattr(settings, "YIMA_CJK_FONT", "") or ""
    if _font_path is not None and (not configured or configured == _font_path):
        return FONT
    if configured:
        if not Path(configured).is_file():
            raise ImproperlyConfigured(f"YIMA_CJK_FONT={configured!r}: no such file. {NO_FONT}")
        try:
            font = _load(configured)
        except TTFError as exc:
            raise ImproperlyConfigured(f"YIMA_CJK_FONT={configured!r}: {exc}. {NO_FONT}") from None
        path = configured
    else:
        font = path = None
        for candidate in _fontconfig_candidates():
            try:
                font, path = _load(candidate), candidate
                break
            except TTFError:
                continue
        if font is None:
            raise ImproperlyConfigured(NO_FONT)
    pdfmetrics.registerFont(font)
    _font_path = path
    return FONT


# --- Drawing helpers ---


def draw_qr(canvas: Canvas, qr, x: float, y: float, size: float) -> None:
    """Draw a QR symbol with its quiet zone as vector rectangles in the square (x, y, size).

    Dark modules of a row are merged into runs, and each run reaches a hair into the next row so
    that no anti-aliasing seam shows between rows on screen. The runs are written as raw PDF
    path operators in module units under a scaling transform: through reportlab's path object
    the float formatting alone cost ~10 ms per code.
    """
    matrix = qr.matrix
    module = size / (len(matrix) + 2 * QUIET_ZONE)
    canvas.saveState()
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#000000"))
    canvas.translate(x + QUIET_ZONE * module, y + size - QUIET_ZONE * module)
    canvas.scale(module, module)
    ops = []
    last = len(matrix) - 1
    for r, row in enumerate(matrix):
        height = "1.05" if r < last else "1"
        bottom = f"-{r + 1}.05" if r < last else f"-{r + 1}"
        c, width = 0, len(row)
        while c < width:
            if row[c] & 1:
                start = c
                while c < width and row[c] & 1:
                    c += 1
                ops.append(f"{start} {bottom} {c - start} {height} re")
            else:
                c += 1
    # "f" fills with the non-zero winding rule, so the overlapping runs do not cancel out.
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()


def fit_size(text: str, width: float, size: float, minimum: float) -> float:
    """The largest font size up to `size` at which `text` fits in `width` (never below minimum)."""
    actual = pdfmetrics.stringWidth(text, FONT, size)
    if actual <= width:
        return size
    return max(minimum, size * width / actual)


def wrap(text: str, width: float, size: float, max_lines: int) -> list[str]:
    """Break text (Chinese has no spaces) into lines that fit `width`, ellipsis on the last."""
    lines, line = [], ""
    for ch in text:
        if pdfmetrics.stringWidth(line + ch, FONT, size) <= width:
            line += ch
            continue
        lines.append(line)
        line = ch
        if len(lines) == max_lines:
            break
    else:
        lines.append(line)
        return [ln for ln in lines if ln]
    last = lines[-1]
    while last and pdfmetrics.stringWidth(last + "…", FONT, size) > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return lines


def draw_bold(canvas: Canvas, x: float, y: float, text: str, size: float, color, *, center=False):
    """Text drawn with fill and a thin stroke: a bold face from a single-weight font."""
    canvas.saveState()  # the text render mode would otherwise stay on for later text
    canvas.setFillColor(color)
    canvas.setStrokeColor(color)
    canvas.setLineWidth(size * 0.03)
    t = canvas.beginText()
    t.setFont(FONT, size)
    t.setTextRenderMode(2)
    if center:
        x -= pdfmetrics.stringWidth(text, FONT, size) / 2
    t.setTextOrigin(x, y)
    t.textOut(text)
    canvas.drawText(t)
    canvas.restoreState()


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def place(facility: Facility) -> str:
    parts = [facility.county.name, facility.town.name]
    if facility.village_id:
        parts.append(facility.village.name)
    return "".join(parts)


def sign_rows(facility: Facility) -> list[tuple[str, str]]:
    """The facts a sign carries besides name, code and QR (DOMAIN.md §6)."""
    contractor = facility.contractor
    return [
        (_("Located in"), place(facility)),
        (_("Design capacity"), f"{_number(facility.capacity_m3d)} m³/d"),
        (_("Treatment process"), facility.get_process_display()),
        (
            _("Discharge standard"),
            f"{facility.get_standard_display()} {facility.get_grade_display()}",
        ),
        (_("Year built"), str(facility.year_built)),
        (_("O&M contractor"), contractor.name if contractor else _("Not assigned")),
        (_("O&M phone"), (contractor.phone if contractor else "") or "—"),
        (
            _("Supervision hotlines"),
            _("%(env)s (environment) · 12345 (government)")
            % {"env": settings.YIMA_REGULATOR_HOTLINE},
        ),
    ]


# --- Layouts ---

PAGE_W, PAGE_H = A4


def draw_sign(canvas: Canvas, facility: Facility, qr, serial: int) -> None:
    """One A4 sign: band, name, code, QR, call to action, facts, typed URL. 15 mm margins."""
    margin = 15 * mm
    inner = PAGE_W - 2 * margin
    cx = PAGE_W / 2
    y = PAGE_H - margin

    # Green band with the kind of facility.
    band = 22 * mm
    canvas.setFillColor(GREEN)
    canvas.roundRect(margin, y - band, inner, band, 3 * mm, stroke=0, fill=1)
    title = _("Rural domestic sewage treatment facility")
    size = fit_size(title, inner - 10 * mm, 28, 14)
    draw_bold(canvas, cx, y - band / 2 - size * 0.35, title, size, white, center=True)
    y -= band + 16 * mm

    # Facility name, up to two lines.
    name_size = fit_size(facility.name, inner, 34, 22)
    for line in wrap(facility.name, inner, name_size, 2):
        draw_bold(canvas, cx, y, line, name_size, INK, center=True)
        y -= name_size * 1.2
    y -= 3 * mm

    # The code, large and grouped, under a small caption.
    canvas.setFillColor(MUTE)
    canvas.setFont(FONT, 13)
    canvas.drawCentredString(cx, y, _("Facility code"))
    y -= 14 * mm
    code = facility.display_code
    draw_bold(canvas, cx, y, code, fit_size(code, inner, 44, 24), INK, center=True)
    y -= 6 * mm

    # The QR code (its quiet zone is part of the square) with the call to action.
    qr_size = 96 * mm
    draw_qr(canvas, qr, cx - qr_size / 2, y - qr_size, qr_size)
    y -= qr_size + 6 * mm
    draw_bold(canvas, cx, y, _("Scan to view · Scan to report a problem"), 24, GREEN, center=True)
    y -= 7 * mm
    canvas.setFillColor(MUTE)
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(cx, y, _("Label No. %(serial)s") % {"serial": serial})
    y -= 5 * mm

    # Facts in a ruled table.
    rows = sign_rows(facility)
    row_h = 9 * mm
    label_w = 36 * mm
    canvas.setStrokeColor(LINE)
    canvas.setLineWidth(0.6)
    for label, value in rows:
        canvas.line(margin, y, margin + inner, y)
        baseline = y - row_h + 2.9 * mm
        canvas.setFillColor(MUTE)
        canvas.setFont(FONT, 13)
        canvas.drawString(margin + 2 * mm, baseline, label)
        canvas.setFillColor(INK)
        size = fit_size(value, inner - label_w - 2 * mm, 15, 8)
        canvas.setFont(FONT, size)
        canvas.drawString(margin + label_w, baseline, value)
        y -= row_h
    canvas.line(margin, y, margin + inner, y)

    # How to reach the page without a camera.
    canvas.setFillColor(MUTE)
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(cx, margin - 4 * mm, facility_url(facility.code))


LABEL_COLS, LABEL_ROWS = 3, 8
LABEL_W = PAGE_W / LABEL_COLS  # 70 mm
LABEL_H = 37 * mm
SHEET_TOP = (PAGE_H - LABEL_ROWS * LABEL_H) / 2  # 0.5 mm, as on common 70 x 37 mm label stock


def draw_label(canvas: Canvas, facility: Facility, qr, serial: int, x: float, y: float) -> None:
    """One 70 x 37 mm label with its bottom-left corner at (x, y): QR left, words right."""
    pad = 2.5 * mm
    canvas.setStrokeColor(LINE)
    canvas.setLineWidth(0.25)
    canvas.rect(x, y, LABEL_W, LABEL_H, stroke=1, fill=0)
    qr_size = LABEL_H - 2 * pad + 2 * mm  # the quiet zone may reach into the padding
    draw_qr(canvas, qr, x + pad - 1 * mm, y + pad - 1 * mm, qr_size)

    tx = x + pad + qr_size
    tw = x + LABEL_W - pad - tx
    ty = y + LABEL_H - pad - 3.5 * mm
    canvas.setFillColor(INK)
    # The code on two lines, broken after the year: "360121-2019-" / "0019-X".
    group_a, group_b = facility.display_code[:12], facility.display_code[12:]
    size = fit_size(group_a, tw, 12, 7)
    draw_bold(canvas, tx, ty, group_a, size, INK)
    ty -= size * 1.15
    draw_bold(canvas, tx, ty, group_b, size, INK)
    ty -= 5 * mm
    canvas.setFont(FONT, 7.5)
    for line in wrap(facility.name, tw, 7.5, 2):
        canvas.drawString(tx, ty, line)
        ty -= 3.4 * mm
    canvas.setFillColor(GREEN)
    canvas.setFont(FONT, 7)
    canvas.drawString(tx, y + pad + 3.6 * mm, _("Scan to view · report"))
    canvas.setFillColor(MUTE)
    canvas.setFont(FONT, 6.5)
    canvas.drawString(tx, y + pad + 0.4 * mm, _("Label No. %(serial)s") % {"serial": serial})


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    it = iter(iterable)
    while chunk := list(islice(it, size)):
        yield chunk


def render_labels(
    facilities: QuerySet[Facility],
    *,
    layout: str,
    out,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 200,
) -> int:
    """Write the PDF of a batch (every facility must already have a label); returns the count.

    Signs are always in the site's language (settings.LANGUAGE_CODE): they hang in a village,
    whatever language the person who printed them reads.
    """
    font = cjk_font()
    current = Label.objects.filter(facility=OuterRef("pk")).order_by("-serial").values("serial")
    rows = (
        facilities.select_related("county", "town", "village", "contractor")
        .annotate(current_label_serial=Subquery(current[:1]))
        .filter(current_label_serial__isnull=False)
    )
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setAuthor("yima")
    canvas.setCreator("yima")
    done = 0
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Facility signs") if layout == Layout.SIGN else _("Facility labels")
        canvas.setTitle(title)
        for chunk in _chunks(rows.iterator(chunk_size=chunk_size), chunk_size):
            qrs = label_qrs([(f.code, f.current_label_serial) for f in chunk])
            for facility in chunk:
                qr = qrs[(facility.code, facility.current_label_serial)]
                if layout == Layout.SIGN:
                    draw_sign(canvas, facility, qr, facility.current_label_serial)
                    canvas.showPage()
                else:
                    slot = done % (LABEL_COLS * LABEL_ROWS)
                    if slot == 0 and done:
                        canvas.showPage()
                    col, row = slot % LABEL_COLS, slot // LABEL_COLS
                    x = col * LABEL_W
                    y = PAGE_H - SHEET_TOP - (row + 1) * LABEL_H
                    draw_label(canvas, facility, qr, facility.current_label_serial, x, y)
                done += 1
                if progress:
                    progress(done)
        if layout == Layout.SHEET and done:
            canvas.showPage()
        if not done:
            canvas.setFont(font, 14)
            canvas.drawString(20 * mm, PAGE_H - 30 * mm, _("No facilities match this selection."))
            canvas.showPage()
    canvas.save()
    return done
