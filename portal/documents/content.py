"""What an uploaded file really is, judged by its structure rather than its first bytes.

A file that starts with ``%PDF-`` is not yet a PDF: an HTML page can start that way too. So a
PDF must also end like one (``startxref`` and ``%%EOF``), have a cross-reference table with its
trailer or a cross-reference stream, and hold no HTML outside its streams. Images are walked
through their first segments; ZIP-based office files are checked in :mod:`.archives`.
"""

from __future__ import annotations

import re
import struct
import zlib

from flask_babel import gettext as _

from portal.database import Refusal


class ContentRejected(Refusal):
    """The content looks like an accepted type but is not one; the message says why."""


def identify(data: bytes) -> str | None:
    """``'pdf'``, ``'png'`` or ``'jpeg'``; None for anything else (ZIP files included).

    Raises :class:`ContentRejected` when the start of the file names one of these types and
    the rest of it does not hold up.
    """
    if data.startswith(b"%PDF-"):
        check_pdf(data)
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        check_png(data)
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        check_jpeg(data)
        return "jpeg"
    return None


# -- PDF --------------------------------------------------------------------------------------

_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
_STARTXREF = re.compile(rb"startxref\s+(\d{1,12})\s+%%EOF")
_XREF_TABLE = re.compile(rb"(?:^|[\r\n])xref\s+\d+\s+\d+\s")
_XREF_STREAM = re.compile(rb"/Type\s*/XRef\b")
_HTML = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|meta|object|embed|"
                   rb"form|svg|img|style|link|base)[\s/>]", re.IGNORECASE)
EOF_WINDOW = 1024  # readers look for %%EOF within the last kilobyte


def check_pdf(data: bytes) -> None:
    """Header, ``startxref`` and ``%%EOF`` at the end, a cross-reference section, no HTML."""
    if not _PDF_HEADER.match(data):
        raise _broken_pdf()
    tail = data[-EOF_WINDOW:]
    ends = list(_STARTXREF.finditer(tail))
    if b"%%EOF" not in tail or not ends or int(ends[-1].group(1)) >= len(data):
        raise _broken_pdf()
    has_table = _XREF_TABLE.search(data) is not None and b"trailer" in data
    if not has_table and _XREF_STREAM.search(data) is None:
        raise _broken_pdf()
    if _HTML.search(_outside_streams(data)):
        raise ContentRejected(_("The file starts like a PDF but holds a web page (HTML). Save "
                                "the document as PDF from the program that made it."))


def _broken_pdf() -> ContentRejected:
    return ContentRejected(_("The PDF file is damaged or incomplete: it lacks the "
                             "cross-reference table or the end-of-file mark. Save it again as "
                             "PDF and upload it again."))


def _outside_streams(data: bytes) -> bytes:
    """The PDF without the bodies of its streams (images, fonts and attachments are binary).

    Written with ``find`` rather than a regular expression so that a file full of unclosed
    ``stream`` keywords costs linear time, not quadratic.
    """
    parts, position = [], 0
    while True:
        start = data.find(b"stream", position)
        if start < 0:
            parts.append(data[position:])
            break
        parts.append(data[position:start])
        end = data.find(b"endstream", start + 6)
        if end < 0:
            break
        position = end + 9
    return b"".join(parts)


# -- images -----------------------------------------------------------------------------------

def _broken_image(label: str) -> ContentRejected:
    return ContentRejected(_("The %(format)s image is damaged or incomplete. Save it again and "
                             "upload it again.", format=label))


def check_png(data: bytes) -> None:
    """An IHDR chunk first (13 bytes, non-zero size, right checksum), chunks up to IEND."""
    position, first = 8, True
    while True:
        if position + 12 > len(data):
            raise _broken_image("PNG")
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if len(body) != length or position + 12 + length > len(data):
            raise _broken_image("PNG")
        if first:
            crc = struct.unpack(">I", data[position + 8 + length:position + 12 + length])[0]
            width, height = struct.unpack(">II", body[:8]) if length == 13 else (0, 0)
            if (kind != b"IHDR" or not width or not height
                    or zlib.crc32(kind + body) & 0xFFFFFFFF != crc):
                raise _broken_image("PNG")
            first = False
        if kind == b"IEND":
            return
        position += 12 + length


_JPEG_FRAMES = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD,
                          0xCE, 0xCF})


def check_jpeg(data: bytes) -> None:
    """From SOI, well-formed segments with a frame header up to the scan, then an EOI mark."""
    position, frame = 2, False
    while True:
        if position + 4 > len(data) or data[position] != 0xFF:
            raise _broken_image("JPEG")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            position += 2
            continue
        if marker in (0xD8, 0xD9):  # a second start, or the end before any image data
            raise _broken_image("JPEG")
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        if length < 2 or position + 2 + length > len(data):
            raise _broken_image("JPEG")
        frame = frame or marker in _JPEG_FRAMES
        if marker == 0xDA:  # start of scan: compressed data follows up to EOI
            if not frame or data.rfind(b"\xff\xd9") < position + 2 + length:
                raise _broken_image("JPEG")
            return
        position += 2 + length
