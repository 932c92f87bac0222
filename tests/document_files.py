"""Files for the documents tests, built in code: valid ones that must pass, hostile ones.

Each builder makes the smallest file that real programs would open (a one-page PDF, a DOCX
Word can open, an ODT as LibreOffice lays it out); the hostile variants change one thing.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from openpyxl import Workbook

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
ODT_TYPE = "application/vnd.oasis.opendocument.text"
ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"


def pdf(text: str = "Order 62", *, extra: bytes = b"", xref_stream: bool = False) -> bytes:
    """A one-page PDF; ``extra`` goes between the objects (to smuggle HTML in, say)."""
    content = f"BT /F1 14 Tf 56 780 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)]
    out, offsets = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    out += extra
    xref = len(out)
    if xref_stream:  # PDF 1.5+: the cross-reference table is itself a (here uncompressed) stream
        rows = b"".join(struct.pack(">BIH", 1, o, 0) for o in offsets)
        rows = struct.pack(">BIH", 0, 0, 65535) + rows + struct.pack(">BIH", 1, xref, 0)
        out += (b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length %d >>\n"
                b"stream\n%s\nendstream\nendobj\n" % (len(rows), rows))
    else:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def png(size: int = 4, *, break_ihdr: bool = False) -> bytes:
    """A small grey PNG; ``break_ihdr`` spoils the header chunk's checksum."""
    def chunk(kind: bytes, data: bytes, crc_delta: int = 0) -> bytes:
        crc = (zlib.crc32(kind + data) + crc_delta) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x80" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header, 1 if break_ihdr else 0)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def jpeg(*, truncated: bool = False) -> bytes:
    """A 1×1 grey baseline JPEG (one DC and one AC code); ``truncated`` cuts the end off."""
    def segment(marker: int, body: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body

    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\x00" + b"\x01" * 64
    sof = b"\x08\x00\x01\x00\x01\x01\x01\x11\x00"
    dht_dc = b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00"
    dht_ac = b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00"
    sos = b"\x01\x01\x00\x00\x3f\x00"
    data = (b"\xff\xd8" + segment(0xE0, app0) + segment(0xDB, dqt) + segment(0xC0, sof)
            + segment(0xC4, dht_dc) + segment(0xC4, dht_ac) + segment(0xDA, sos)
            + b"\x3f" + b"\xff\xd9")
    return data[:-2] if truncated else data


def zip_parts(parts: dict[str, bytes], *, stored_first: bool = False) -> bytes:
    """A ZIP of ``parts`` in order; names are written exactly as given (even ``../x``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for position, (name, data) in enumerate(parts.items()):
            info = zipfile.ZipInfo(name, date_time=(2025, 9, 23, 10, 0, 0))
            stored = stored_first and position == 0
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def docx_parts(main_type: str = DOCX_MAIN) -> dict[str, bytes]:
    """The parts of a one-paragraph DOCX, as Word writes them."""
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{main_type}"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '</Types>').encode(),
        "_rels/.rels": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/officeDocument" Target="word/document.xml"/>'
            b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            b'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            b'</Relationships>'),
        "docProps/core.xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties '
            b'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            b'core-properties"/>'),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            '<w:body><w:p><w:r><w:t>Положение о наставничестве</w:t></w:r></w:p></w:body>'
            '</w:document>').encode(),
    }


def docx(extra: dict[str, bytes] | None = None, main_type: str = DOCX_MAIN) -> bytes:
    return zip_parts({**docx_parts(main_type), **(extra or {})})


def docm_named_docx() -> bytes:
    """What Word saves as «Документ с поддержкой макросов» (.docm), whatever it is renamed to."""
    parts = docx_parts(DOCM_MAIN)
    parts["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return zip_parts(parts)


def odt_parts(mimetype: str = ODT_TYPE) -> dict[str, bytes]:
    """The parts of an ODT as LibreOffice writes them: ``mimetype`` first and stored."""
    office = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    return {
        "mimetype": mimetype.encode(),
        "META-INF/manifest.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" '
            'manifest:media-type="text/xml"/></manifest:manifest>').encode(),
        "content.xml": (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                        f'{office} office:version="1.3"><office:body><office:text/>'
                        '</office:body></office:document-content>').encode(),
        "styles.xml": f'<office:document-styles {office}/>'.encode(),
        "meta.xml": f'<office:document-meta {office}/>'.encode(),
    }


def odt(extra: dict[str, bytes] | None = None, mimetype: str = ODT_TYPE) -> bytes:
    return zip_parts({**odt_parts(mimetype), **(extra or {})}, stored_first=True)


def xlsx() -> bytes:
    """A workbook as openpyxl (like Excel) writes it."""
    workbook = Workbook()
    workbook.active.append(["Мероприятие", "Срок"])
    workbook.active.append(["Семинар наставников", "2025-10-15"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rename_raw(data: bytes, placeholder: str, raw: bytes) -> bytes:
    """Rewrite an entry name byte for byte (zipfile itself cuts a name at a NUL)."""
    assert len(placeholder.encode()) == len(raw) and data.count(placeholder.encode()) == 2
    return data.replace(placeholder.encode(), raw)
