"""How big one input may be, and the checks that refuse a bigger one before it is parsed.

Rows per file come from the policy (`limits.max_rows`, `limits.max_teams`); the rest are fixed
here and stated in the README. Every check runs before anything in proportion to the input is
allocated: a file's size from the file system, JSON nesting by one scan of the bytes, an
`.xlsx` workbook's parts from its zip central directory (sizes, count, compression ratio) and
the number of its shared strings by streaming that part, before openpyxl opens it. A refusal
is one `InvalidInput` naming the file, the part and the limit.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from routeplan.domain.errors import InputProblem, InvalidInput

#: The largest input file read at all (CSV, XLSX, JSON; the service's body limit is lower).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: The longest cell (text) read; a longer one is an error of its cell.
MAX_CELL_CHARS = 2_000
#: The longest id (visit, borrower, team, collector, skill).
MAX_ID_CHARS = 100
#: The most items in one list cell (members, skills, prefectures).
MAX_LIST_ITEMS = 100
#: The most header cells read; a workbook row longer than this is refused.
MAX_COLUMNS = 1_000
#: The deepest JSON nesting read (a day's records need 4 levels).
MAX_JSON_DEPTH = 32
#: Excel's last row: a sheet claiming rows beyond it is not a workbook Excel wrote.
MAX_SHEET_ROWS = 1_048_576
#: The most outcomes one field-report file may hold.
MAX_OUTCOMES = 100_000

# .xlsx workbooks (zip archives of XML parts)
MAX_ZIP_ENTRIES = 1_000
MAX_CENTRAL_DIRECTORY_BYTES = 1024 * 1024
MAX_WORKBOOK_BYTES = 512 * 1024 * 1024  # every part uncompressed, added up
MAX_PART_BYTES = 8 * 1024 * 1024  # any XML part but the sheets and the shared strings
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
MAX_SHARED_STRINGS = 1_000_000
#: Parts above 1 MiB may inflate at most this many times (sheets Excel writes: 5 to 20).
MAX_RATIO = 200
_RATIO_FROM = 1024 * 1024
#: A sheet's XML may be this large, plus the allowance per row of `limits.max_rows`.
SHEET_BASE_BYTES = 16 * 1024 * 1024
SHEET_BYTES_PER_ROW = 2 * 1024


def max_sheet_bytes(max_rows: int) -> int:
    """The largest uncompressed sheet XML read for a file of at most `max_rows` rows."""
    return SHEET_BASE_BYTES + SHEET_BYTES_PER_ROW * max_rows


def refuse(where: str, message: str) -> InvalidInput:
           """An input error located at `where` (a file, a part, a row): one problem."""
           return InvalidInput.many([InputProblem(where, message)])


def _mib(n: int) -> str:
    return f"{n:,} bytes ({n / (1024 * 1024):.0f} MiB)" if n >= 1024 * 1024 else f"{n:,} bytes"


# -- files ----------------------------------------------------------------------------------


def read_bytes(path: Path, name: str | None = None) -> bytes:
    """The bytes of an input file no larger than MAX_FILE_BYTES, or InvalidInput."""
    shown = name or path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise refuse(str(path), "no such file") from None
    except OSError as exc:
        raise refuse(shown, f"cannot be read ({exc.strerror})") from None
    if size > MAX_FILE_BYTES:
        raise refuse(shown, f"the file is {_mib(size)}; an input file may be at most "
                     f"{_mib(MAX_FILE_BYTES)}")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        raise refuse(str(path), "is a folder, not a file") from None
    except OSError as exc:
        raise refuse(shown, f"cannot be read ({exc.strerror})") from None
    if len(data) > MAX_FILE_BYTES:  # grew while we looked
        raise refuse(shown, f"an input file may be at most {_mib(MAX_FILE_BYTES)}")
    return data


def too_many_rows(where: str, limit: int, key: str) -> InvalidInput:
    """The error for the first row beyond `limit` (the policy key that sets it is named)."""
    return InvalidInput.many([InputProblem(
        where, f"more than {limit:,} rows; {key} allows at most {limit:,} (split the day, or "
        f"raise {key} in the policy)")])


# -- JSON -----------------------------------------------------------------------------------

# A JSON string, escapes included (unrolled: fast on long texts).
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_CHUNK = 4 * 1024 * 1024
_OPEN = np.zeros(256, dtype=np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_OPEN[[ord("]"), ord("}")]] = -1


def json_too_deep(data: bytes, max_depth: int = MAX_JSON_DEPTH) -> int | None:
    """The line where JSON text first nests deeper than `max_depth`, or None.

    Strings are blanked first, so brackets inside them do not count; the scan is vectorised
    and works in chunks, so its memory does not grow with the text.
    """
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return None
    skeleton = _JSON_STRING.sub(b'""', data)
    depth = 0
    for start in range(0, len(skeleton), _CHUNK):
        piece = np.frombuffer(skeleton, dtype=np.uint8, count=min(_CHUNK, len(skeleton) - start),
                              offset=start)
        running = np.cumsum(_OPEN[piece], dtype=np.int64) + depth
        over = np.flatnonzero(running > max_depth)
        if over.size:
            at = start + int(over[0])
            return skeleton.count(b"\n", 0, at) + 1
        if running.size:
            depth = int(running[-1])
    return None


def loads(data: bytes | str, source: str, *, max_depth: int = MAX_JSON_DEPTH) -> object:
    """Parse JSON text after checking its nesting; every failure is InvalidInput at `source`.

    Text with a lone surrogate escape (`"\\ud800"`) is refused: it cannot be written back.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    line = json_too_deep(raw, max_depth)
    if line is not None:
        raise InvalidInput.many([InputProblem(
            f"{source}:{line}", f"JSON nested deeper than {max_depth} levels (the limit)")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput.many([InputProblem(
            f"{source}:{raw[: exc.start].count(b'\n') + 1}",
            f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")]) from None
    try:
        value: object = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput.many([InputProblem(f"{source}:{exc.lineno}",
                                              f"not valid JSON ({exc.msg})")]) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise InvalidInput.many([InputProblem(source, f"not readable JSON ({exc})")]) from None
    except RecursionError:  # pragma: no cover - the depth scan comes first
        raise InvalidInput.many([InputProblem(
            source, f"JSON nested deeper than {max_depth} levels (the limit)")]) from None
    if b"\\u" in raw and _lone_surrogate(value):
        raise InvalidInput.many([InputProblem(
            source, "a string holds a lone surrogate escape (\\ud800-\\udfff), not text")])
    return value


def _lone_surrogate(value: object) -> bool:
    """Whether any string in parsed JSON (depth already bounded) is not encodable as UTF-8."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
    return False


def read_json(path: Path, name: str | None = None) -> object:
    """A JSON file no larger than MAX_FILE_BYTES and no deeper than MAX_JSON_DEPTH."""
    return loads(read_bytes(path, name), name or path.name)


# -- XLSX -----------------------------------------------------------------------------------

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)


def check_xlsx(path: Path, name: str, max_rows: int) -> None:
    """Refuse a workbook whose parts would not fit, reading only its directory and strings.

    The zip's end record gives the number of entries and the directory's size; the
    directory gives each part's declared size, which also bounds what can be inflated from
    it (zipfile stops there). Sheets may be `max_sheet_bytes(max_rows)`, the shared strings
    MAX_SHARED_STRINGS_BYTES and MAX_SHARED_STRINGS strings, any other XML part
    MAX_PART_BYTES; parts above 1 MiB may inflate at most MAX_RATIO times.
    """
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise refuse(name, f"the file is {_mib(size)}; an input file may be at most "
                     f"{_mib(MAX_FILE_BYTES)}")
    with path.open("rb") as handle:
        entries, directory = _central_directory(handle, size, name)
    if entries > MAX_ZIP_ENTRIES:
        raise refuse(name, f"the workbook has {entries:,} parts; at most "
                     f"{MAX_ZIP_ENTRIES:,} are read")
    if directory > MAX_CENTRAL_DIRECTORY_BYTES:
        raise refuse(name, f"the workbook's zip directory is {_mib(directory)}; at most "
                     f"{_mib(MAX_CENTRAL_DIRECTORY_BYTES)} are read")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            strings = _shared_string_parts(archive, name)
            problems = _part_problems(infos, strings, name, max_rows)
            if problems:
                raise InvalidInput.many(problems)
            for info in infos:
                if info.filename in strings:
                    _count_shared_strings(archive, info, name)
    except InvalidInput:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError,
            zlib.error, ValueError, OSError) as exc:  # a damaged archive, in any of its ways
        raise refuse(name, f"not a readable .xlsx workbook ({type(exc).__name__}: "
                     f"{' '.join(str(exc).split())[:200]})") from None


def _central_directory(handle: BinaryIO, size: int, name: str) -> tuple[int, int]:
    """(entries, directory bytes) from the zip's end record, zip64 included."""
    tail_size = min(size, 22 + 0xFFFF)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise refuse(name, "not a readable .xlsx workbook (not a zip archive; an "
                     "Excel file with a password, or an old .xls, must be saved as .xlsx "
                     "without a password)")
    _, _, _, _, entries, directory, offset, _ = struct.unpack("<4s4H2LH", tail[at:at + 22])
    if entries != 0xFFFF and directory != 0xFFFFFFFF and offset != 0xFFFFFFFF:
        return entries, directory
    locator = tail[at - 20:at] if at >= 20 else b""
    if len(locator) != 20 or not locator.startswith(_EOCD64_LOCATOR):
        raise refuse(name, "not a readable .xlsx workbook (broken zip64 record)")
    _, _, record_at, _ = struct.unpack("<4sLQL", locator)
    if record_at > size - 56:
        raise refuse(name, "not a readable .xlsx workbook (broken zip64 record)")
    handle.seek(record_at)
    record = handle.read(56)
    if len(record) != 56 or not record.startswith(_EOCD64):
        raise refuse(name, "not a readable .xlsx workbook (broken zip64 record)")
    _, _, _, _, _, _, entries64, directory64, _ = struct.unpack("<4sQ2H2L4Q", record)
    return entries64, directory64


def _shared_string_parts(archive: zipfile.ZipFile, name: str) -> set[str]:
    """The parts [Content_Types].xml declares as shared strings, and the usual name."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    parts = {"xl/sharedStrings.xml"}
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        return parts  # openpyxl refuses such a file with its own message
    if info.file_size > MAX_PART_BYTES:
        return parts  # refused with the other parts
    try:
        root = fromstring(archive.read(info))
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise refuse(name, f"not a readable .xlsx workbook ([Content_Types].xml: "
                     f"{exc})") from None
    for element in root:
        kind = element.get("ContentType") or ""
        part = (element.get("PartName") or "").lstrip("/")
        if kind.endswith("sharedStrings+xml") and part:
            parts.add(part)
    return parts


def _part_problems(infos: list[zipfile.ZipInfo], strings: set[str], name: str,
                   max_rows: int) -> list[InputProblem]:
    """Every part too large, too compressed, encrypted or packed in a way not read."""
    problems: list[InputProblem] = []
    sheet_limit = max_sheet_bytes(max_rows)
    total = 0
    for info in infos:
        where = f"{name}[{info.filename[:100]}]"
        total += info.file_size
        if info.flag_bits & 0x1:
            problems.append(InputProblem(where, "the part is encrypted; save the workbook "
                                         "without a password"))
            continue
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            problems.append(InputProblem(where, f"compression method {info.compress_type} is "
                                         "not read; save the workbook again from Excel"))
            continue
        if info.filename in strings:
            limit, what = MAX_SHARED_STRINGS_BYTES, "the shared strings"
        elif _SHEET_PART.match(info.filename):
            limit, what = sheet_limit, "a sheet"
        elif info.filename.lower().endswith((".xml", ".rels", ".vml")):
            limit, what = MAX_PART_BYTES, "an XML part"
        else:
            limit, what = MAX_WORKBOOK_BYTES, "a part"
        if info.file_size > limit:
            extra = f" when limits.max_rows is {max_rows:,}" if what == "a sheet" else ""
            problems.append(InputProblem(
                where, f"inflates to {_mib(info.file_size)}; {what} may inflate to at most "
                f"{_mib(limit)}{extra}"))
        elif info.file_size > _RATIO_FROM and info.file_size > MAX_RATIO * info.compress_size:
            ratio = info.file_size / max(info.compress_size, 1)
            problems.append(InputProblem(
                where, f"inflates {ratio:,.0f} times ({info.compress_size:,} to "
                f"{info.file_size:,} bytes); a part may inflate at most {MAX_RATIO} times"))
    if total > MAX_WORKBOOK_BYTES and not problems:
        problems.append(InputProblem(name, f"the parts inflate to {_mib(total)} together; a "
                                     f"workbook may hold at most {_mib(MAX_WORKBOOK_BYTES)}"))
    return problems


def _count_shared_strings(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """Count `<si>` elements by streaming the part; refuse more than MAX_SHARED_STRINGS."""
    count = 0
    for piece in _pieces(archive, info):
        count += piece
        if count > MAX_SHARED_STRINGS:
            raise InvalidInput(
                f"{name}[{info.filename}]: more than {MAX_SHARED_STRINGS:,} shared strings; "
                f"a workbook may hold at most {MAX_SHARED_STRINGS:,}")


def _pieces(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[int]:
    """The number of string elements starting in each 1 MiB of the part, streamed."""
    overlap = 64
    carry = b""
    with archive.open(info) as stream:
        while chunk := stream.read(1024 * 1024):
            buf = carry + chunk
            cut = max(0, len(buf) - overlap)
            yield sum(1 for m in _SHARED_STRING.finditer(buf) if m.start() < cut)
            carry = buf[cut:]
    yield len(_SHARED_STRING.findall(carry))
