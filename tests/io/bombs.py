"""Hostile workbooks made on the fly: a sheet that inflates to gigabytes, a shared-strings
bomb, a sheet whose rows jump past Excel's last row. Used by tests and benchmarks/bench_limits.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _base() -> dict[str, bytes]:
    """The parts of a valid one-sheet workbook written by openpyxl."""
    buf = io.BytesIO()
    book = Workbook()
    book.active.append(["visit_id", "borrower_id", "lat", "lon"])
    book.save(buf)
    with zipfile.ZipFile(buf) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _write(path: Path, parts: dict[str, bytes], streamed: dict[str, tuple[bytes, bytes, bytes,
                                                                          int]],
           level: int = 9) -> Path:
    """Write `parts`, and each streamed part as head + body * n + tail (never whole in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name, data in parts.items():
            if name not in streamed:
                z.writestr(name, data)
        for name, (head, body, tail, n) in streamed.items():
            with z.open(name, "w", force_zip64=True) as out:
                out.write(head)
                chunk = body * max(1, (1 << 20) // len(body))
                written = 0
                while written < n * len(body):
                    out.write(chunk)
                    written += len(chunk)
                out.write(tail)
    return path


def sheet_bomb(path: Path, inflated: int = 1_500_000_000) -> Path:
    """A workbook whose only sheet inflates to about `inflated` bytes of rows."""
    row = b'<row><c t="inlineStr"><is><t>V</t></is></c><c t="inlineStr"><is><t>B</t></is></c></row>'
    head = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>visit_id</t></is></c>'
            '<c r="B1" t="inlineStr"><is><t>borrower_id</t></is></c></row>').encode()
    return _write(path, _base(), {"xl/worksheets/sheet1.xml": (
        head, row, b"</sheetData></worksheet>", inflated // len(row))})


def shared_strings_bomb(path: Path, inflated: int = 1_500_000_000, length: int = 1000) -> Path:
    """A workbook whose shared strings inflate to about `inflated` bytes (strings of `length`)."""
    item = b"<si><t>" + b"A" * length + b"</t></si>"
    return _write(path, _with_strings(), {"xl/sharedStrings.xml": (
        _SST_HEAD, item, b"</sst>", max(1, inflated // len(item)))})


def many_strings(path: Path, count: int = 1_100_000) -> Path:
    """A workbook with `count` short distinct-looking shared strings (little compression)."""
    block = b"".join(b"<si><t>%06d</t></si>" % i for i in range(5000))  # > deflate's window
    return _write(path, _with_strings(), {"xl/sharedStrings.xml": (
        _SST_HEAD, block, b"</sst>", max(1, count // 5000))}, level=1)


_SST_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS}>'.encode()


def _with_strings() -> dict[str, bytes]:
    """The base workbook with a shared-strings part declared (its body written by the caller)."""
    parts = _base()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SST_TYPE}"/>'
        "</Types>".encode())
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        b"</Relationships>")
    return parts


def row_jump(path: Path, row: int = 999_999_999) -> Path:
    """A small workbook whose second row claims to be row `row` (openpyxl fills the gap)."""
    parts = _base()
    parts["xl/worksheets/sheet1.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><dimension ref="A1:XFD{row}"/>'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>visit_id</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>borrower_id</t></is></c></row>'
        f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>V1</t></is></c></row>'
        "</sheetData></worksheet>").encode()
    return _write(path, parts, {})
