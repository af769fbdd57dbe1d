"""Checks on an uploaded Office Open XML file (XLSX) before any XML parser or spreadsheet reader sees it.

An XLSX is a zip of XML parts, so a small upload can still be turned against the server: a zip that
inflates to gigabytes, thousands of members, or a part with a ``<!DOCTYPE …>`` declaring entities (the
"billion laughs", or an external entity pointing at a local file or URL). :func:`check_xlsx_package`
refuses all of them from the zip directory and one streamed pass over the parts, in bounded memory
and with the standard library only; readers such as openpyxl (which also uses ``defusedxml`` when it is
installed) then only ever see packages that passed.

What a sheet declares about its own size (``<dimension ref="A1:XFD8000"/>``) and its cell counts are
the reader's business (it knows which sheet it reads): see :func:`check_declared_size`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from zdrav_shared.problems import PayloadTooLarge, Unprocessable

XLSX_MAGIC = b"PK\x03\x04"
FILE_POINTER = "/file"
_CHUNK = 64 * 1024
# Markup no spreadsheet needs and every XML entity attack starts with. Cell text cannot produce these
# bytes (a "<" in text is written as "&lt;"), so finding them anywhere in a part means markup.
_FORBIDDEN_MARKUP = (b"<!DOCTYPE", b"<!ENTITY")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True, slots=True)
class SheetLimits:
    """How large an uploaded workbook may be, in every sense that costs the server memory or time."""

    max_rows: int = 20_000
    max_columns: int = 100
    max_cells: int = 200_000
    """Non-empty cells read from the sheet."""
    max_unpacked_bytes: int = 100 * 1024 * 1024
    """All parts of the package together, decompressed."""
    max_members: int = 1_000


def is_zip(content: bytes) -> bool:
    """True when ``content`` starts like a zip archive (so like an XLSX)."""
    return content.startswith(XLSX_MAGIC)


def check_xlsx_package(content: bytes, limits: SheetLimits) -> None:
    """Refuse a package that is not a readable zip or hides a DOCTYPE/entity declaration (422), and one
    with too many members or too many bytes once decompressed (413). Decompresses as it counts, so a
    zip whose directory lies about the sizes is caught too; never holds more than one chunk."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise Unprocessable("the file is not a readable XLSX workbook", pointer=FILE_POINTER) from exc
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise PayloadTooLarge(f"the workbook has {len(members)} parts; at most {limits.max_members} are read")
        declared = sum(m.file_size for m in members)
        if declared > limits.max_unpacked_bytes:
            raise PayloadTooLarge(_unpacked_message(limits))
        unpacked = 0
        for member in members:
            if member.is_dir():
                continue
            try:
                unpacked = _scan_member(archive, member, unpacked, limits)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError, EOFError) as exc:
                raise Unprocessable("the file is not a readable XLSX workbook", pointer=FILE_POINTER) from exc


def _scan_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, unpacked: int, limits: SheetLimits) -> int:
    """Stream one part: count its bytes against the limit and look for DOCTYPE/ENTITY markup (also
    across chunk boundaries). Returns the running total."""
    keep = max(len(m) for m in _FORBIDDEN_MARKUP) - 1
    tail = b""
    first = True
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            unpacked += len(chunk)
            if unpacked > limits.max_unpacked_bytes:
                raise PayloadTooLarge(_unpacked_message(limits))
            if first and member.filename.endswith((".xml", ".rels", ".vml")) and chunk.startswith(_UTF16_BOMS):
                # The markup check reads bytes as ASCII; no spreadsheet program writes UTF-16 parts.
                raise Unprocessable(
                    f"the part {member.filename} is UTF-16; save the workbook again", pointer=FILE_POINTER
                )
            first = False
            window = tail + chunk
            if any(markup in window for markup in _FORBIDDEN_MARKUP):
                raise Unprocessable(
                    f"the part {member.filename} declares a DOCTYPE or XML entities; a workbook needs neither",
                    pointer=FILE_POINTER,
                )
            tail = window[-keep:]
    return unpacked


def _unpacked_message(limits: SheetLimits) -> str:
    return f"the workbook unpacks to more than {limits.max_unpacked_bytes // (1024 * 1024)} MB; split it"


def check_declared_size(rows: int | None, columns: int | None, limits: SheetLimits) -> None:
    """Refuse a sheet whose ``<dimension>`` declares more rows or columns than are read (413), before a
    reader sizes anything by it (openpyxl pads every row to the declared width)."""
    if columns is not None and columns > limits.max_columns:
        raise PayloadTooLarge(
            f"the sheet declares {columns} columns; at most {limits.max_columns} are read "
            "(delete the unused columns, or copy the table into a new workbook)"
        )
    if rows is not None and rows > limits.max_rows + 1:
        raise PayloadTooLarge(f"the sheet declares {rows} rows; at most {limits.max_rows} (and a header) are read")
