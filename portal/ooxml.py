"""Opening an uploaded Office Open XML package (an XLSX is a ZIP of XML parts) safely.

Nothing in the package is trusted. Before anything is decompressed: the size of the ZIP
directory and its number of entries, the compression method and encryption of each part,
the declared unpacked size of each part and of all parts together, and the compression
ratio. While a part streams: the bytes really unpacked and the XML elements parsed (one
budget for all the parts of a file). Every XML part goes through :func:`_hardened_parser`, an
expat parser that refuses any document type declaration - Excel never writes one, and
without one no entity can be declared (no "billion laughs", no external entity).

:class:`Package` raises :class:`~portal.tabular.FileRejected` with a translated message.
"""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any, Protocol
from xml.parsers import expat

from flask_babel import gettext as _

from portal.tabular import FileRejected

CHUNK = 64 * 1024
RATIO_FLOOR = 1024 * 1024  # parts smaller than this may be packed as tightly as they like
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}  # what Excel and LibreOffice write


@dataclass(frozen=True)
class Limits:
    """What one package may hold; see the constants of :mod:`portal.tabular`."""

    part_bytes: int  # one part, unpacked
    total_bytes: int  # all entries together, unpacked, as declared
    ratio: int  # unpacked / packed, for parts of RATIO_FLOOR bytes and more
    entries: int  # entries in the ZIP directory
    elements: int  # XML elements in all the parts read, together
    token_bytes: int  # one start tag, comment or other markup that expat must hold whole


class Handler(Protocol):
    """Receives a part's events; ``elements`` counts the start tags it has seen."""

    elements: int

    def start(self, name: str, attrs: dict[str, str]) -> None: ...

    def end(self, name: str) -> None: ...

    def text(self, data: str) -> None: ...


def damaged(sheet: str | None = None, row: int | None = None) -> FileRejected:
    """The refusal of a file that cannot be read, saying where when that is known."""
    if sheet is not None and row:
        return FileRejected(_("The Excel file is damaged: the sheet “%(sheet)s” cannot be "
                              "read from row %(row)d on. Save it again in Excel as .xlsx and "
                              "upload it again.", sheet=sheet, row=row))
    return FileRejected(_("The Excel file is damaged and cannot be opened. Save it again in "
                          "Excel as .xlsx and upload it again."))


def too_large() -> FileRejected:
    return FileRejected(_("The workbook is too large when unpacked; upload only the sheet "
                          "with the report."))


def local(name: str) -> str:
    """An element or attribute name without its namespace prefix (``x:c`` → ``c``)."""
    return name.rpartition(":")[2] if ":" in name else name


class _Forbidden(Exception):
    """A document type declaration: refused before expat reads any of it."""


def _forbid(*_args: Any) -> None:
    raise _Forbidden


def _hardened_parser(handler: Handler) -> Any:
    """An expat parser that refuses DTDs, entity declarations and external entities."""
    parser = expat.ParserCreate()  # no namespace processing: names keep their prefix
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.text
    return parser


def _check_directory(data: bytes, limits: Limits) -> None:
    """Refuse a ZIP directory too large to list before :mod:`zipfile` builds it in memory."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if at < 0 or at + 22 > len(data):
        raise damaged()
    entries, size = struct.unpack_from("<HI", data, at + 10)
    locator = at - 20
    if locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":  # ZIP64
        (record,) = struct.unpack_from("<Q", data, locator + 8)
        if data[record:record + 4] == b"PK\x06\x06" and record + 56 <= len(data):
            entries, size = struct.unpack_from("<QQ", data, record + 32)
    if entries > limits.entries or size > limits.entries * 1024:
        raise FileRejected(_("The workbook has more than %(n)d parts; it is not an ordinary "
                             "Excel file.", n=limits.entries))


class Package:
    """The parts of an uploaded ZIP, each read through a bounded, hardened stream."""

    def __init__(self, data: bytes, limits: Limits):
        self.limits = limits
        self.elements = 0
        _check_directory(data, limits)
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError,
                struct.error, EOFError) as exc:
            raise damaged() from exc
        if len(infos) > limits.entries:
            raise FileRejected(_("The workbook has more than %(n)d parts; it is not an "
                                 "ordinary Excel file.", n=limits.entries))
        if sum(info.file_size for info in infos) > limits.total_bytes:
            raise too_large()
        self.parts = {info.filename: info for info in infos}

    def resolve(self, base: str, target: str) -> str:
        """The part a relationship of ``base`` points to (targets are relative or absolute)."""
        if target.startswith("/"):
            return posixpath.normpath(target.lstrip("/"))
        return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))

    def read_bytes(self, name: str, limit: int) -> bytes:
        """A small part as bytes (``mimetype``), or b"" if it is larger than ``limit``."""
        info = self.parts[name]
        if info.file_size > limit:
            return b""
        with self._open(info) as stream:
            return stream.read(limit)

    def _open(self, info: zipfile.ZipInfo):
        if info.compress_type not in _METHODS or info.flag_bits & 0x1:
            raise damaged()  # bzip2/LZMA bombs decompress unbounded; encrypted parts are not ours
        if info.file_size > self.limits.part_bytes:
            raise too_large()
        if info.file_size >= RATIO_FLOOR and \
                info.file_size > self.limits.ratio * max(info.compress_size, 1):
            raise FileRejected(_("The workbook is packed suspiciously tightly (part %(part)s); "
                                 "it is not an ordinary Excel file. Save it again in Excel as "
                                 ".xlsx and upload it again.", part=info.filename))
        try:
            return self._zip.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError,
                ValueError) as exc:
            raise damaged() from exc

    def parse(self, name: str, handler: Handler, where=lambda: (None, None)) -> None:
        """Stream the part ``name`` into ``handler``; ``where()`` names the sheet and row."""
        info = self.parts[name]
        stream = self._open(info)
        parser = _hardened_parser(handler)
        unpacked = 0
        try:
            with stream:
                while chunk := stream.read(CHUNK):
                    unpacked += len(chunk)
                    if unpacked > self.limits.part_bytes:
                        raise too_large()
                    parser.Parse(chunk, False)
                    self._count(handler)
                    if unpacked - parser.CurrentByteIndex > self.limits.token_bytes:
                        raise self._long_token(info.filename)
                parser.Parse(b"", True)
        except FileRejected:
            raise
        except _Forbidden as exc:
            raise FileRejected(_("The file contains an XML document type declaration, which "
                                 "Excel never writes; it is refused for safety. Save the "
                                 "workbook again in Excel as .xlsx and upload it again.")) from exc
        except (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError, OSError,
                ValueError) as exc:
            raise damaged(*where()) from exc
        self._count(handler)
        self.elements += handler.elements

    def _long_token(self, part: str) -> FileRejected:
        # expat parses an unfinished tag again with every chunk: a 20 MB one takes minutes
        return FileRejected(_("The workbook holds a piece of XML longer than %(n)d bytes (part "
                              "%(part)s); it is not an ordinary Excel file.",
                              n=self.limits.token_bytes, part=part))

    def _count(self, handler: Handler) -> None:
        if self.elements + handler.elements > self.limits.elements:
            raise FileRejected(_("The workbook is too complex to read (more than %(n)d XML "
                                 "elements); is it the right file? Copy the data into the "
                                 "template and upload it again.", n=self.limits.elements))
