"""DOCX, XLSX and ODT are ZIP archives: check what the archive holds, without unpacking it.

Only the central directory is read, plus the two or three small parts that say what the
document is (``[Content_Types].xml`` and ``_rels/.rels``, or ``mimetype``), each read with a
cap. The archive is refused when its names could escape a folder on the reader's computer,
when it would unpack into far more than it weighs (a zip bomb), when its main part is not of
the format it claims (a macro-enabled ``.docm`` renamed ``.docx``), when it carries macro
parts, or when it holds entries that do not belong to its format (``setup.exe``).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from itertools import pairwise

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from flask_babel import gettext as _

from portal.documents.content import ContentRejected
from portal.textcheck import visible

MAX_ENTRIES = 5000
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200  # deflate can reach ~1000:1; documents stay far below 100:1
RATIO_FLOOR = 1024 * 1024  # small parts may compress very well, that proves nothing
MAX_PART_BYTES = 1024 * 1024  # [Content_Types].xml, _rels/.rels, mimetype

_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
}
ODF_MIMETYPES = {"application/vnd.oasis.opendocument.text": "odt"}
FORMAT_LABELS = {"docx": "DOCX", "xlsx": "XLSX", "odt": "ODT"}

# Folders (lower-cased, with the slash) and root files that each format may hold.
_OOXML_COMMON = ("_rels/", "docprops/", "customxml/", "docmetadata/", "_xmlsignatures/")
_ALLOWED = {
    "docx": (("[content_types].xml",), (*_OOXML_COMMON, "word/")),
    "xlsx": (("[content_types].xml",), (*_OOXML_COMMON, "xl/")),
    "odt": (("mimetype", "content.xml", "styles.xml", "meta.xml", "settings.xml",
             "manifest.rdf", "layout-cache"),
            ("meta-inf/", "pictures/", "thumbnails/", "configurations2/", "objectreplacements/",
             "media/")),
}
_ODF_OBJECT = re.compile(r"^object \d+/")  # embedded charts and formulas: «Object 1/content.xml»
_MACRO_PARTS = re.compile(
    r"(^|/)(vbaproject\.bin|vbaprojectsignature\.bin|vbaprojectsignatureagile\.bin|vbadata\.xml"
    r"|attachedtoolbars\.bin)$|(^|/)activex/|^(basic|scripts|dialogs)/")
_MACRO_TYPES = ("macroenabled", "vbaproject", "ms-office.activex", "vbadata")
# Never part of a document: programs, scripts, shortcuts, macro-enabled Office files.
_FOREIGN_EXTENSIONS = frozenset({
    "exe", "com", "bat", "cmd", "scr", "pif", "msi", "msp", "dll", "sys", "cpl", "drv", "ocx",
    "js", "jse", "vbs", "vbe", "wsf", "wsh", "ws", "ps1", "psm1", "hta", "jar", "sh", "bash",
    "lnk", "reg", "inf", "scf", "url", "desktop", "app", "apk", "elf", "so", "dylib", "py", "pl",
    "rb", "php", "docm", "dotm", "xlsm", "xltm", "xlam", "xlsb", "pptm", "potm", "ppam", "sldm",
})
_DRIVE = re.compile(r"^[A-Za-z]:")


def _damaged() -> ContentRejected:
    return ContentRejected(_("The file is a damaged ZIP archive and cannot be opened as a "
                             "document. Save it again and upload it again."))


def identify_archive(data: bytes) -> str | None:
    """``'docx'``, ``'xlsx'`` or ``'odt'``; None for another kind of archive.

    Raises :class:`ContentRejected` when the archive is unsafe or claims a format it is not.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            _check_sizes(entries)
            _check_names(entries)
            return _identify(archive, entries)
    except ContentRejected:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, KeyError, OSError, EOFError,
            ValueError, RuntimeError, NotImplementedError) as exc:
        raise _damaged() from exc


def _check_sizes(entries: list[zipfile.ZipInfo]) -> None:
    """Refuse zip bombs from the sizes the central directory declares, before reading a part."""
    if len(entries) > MAX_ENTRIES:
        raise ContentRejected(_("The archive holds more than %(n)d files; it is not a document.",
                                n=MAX_ENTRIES))
    total = sum(e.file_size for e in entries)
    bomb = total > MAX_UNPACKED_BYTES or any(
        e.file_size > RATIO_FLOOR and e.file_size > MAX_RATIO * max(e.compress_size, 1)
        for e in entries)
    if bomb:
        raise ContentRejected(_("The archive would unpack into far more than it weighs "
                                "(more than %(mb)d MB or %(ratio)d times its size); it is "
                                "refused as a possible zip bomb.",
                                mb=MAX_UNPACKED_BYTES // (1024 * 1024), ratio=MAX_RATIO))
    # Entries whose data overlap let a few bytes stand for many files (another kind of bomb).
    ordered = sorted(entries, key=lambda e: e.header_offset)
    for before, after in pairwise(ordered):
        if after.header_offset < before.header_offset + before.compress_size:
            raise _damaged()
    if any(e.flag_bits & 0x1 for e in entries):
        raise ContentRejected(_("The document is protected with a password. Remove the "
                                "password and upload it again."))


def unsafe_name(raw: str) -> bool:
    """Whether an entry name could leave the folder it is unpacked into, or hides characters."""
    if not raw or raw.startswith("/") or "\\" in raw or _DRIVE.match(raw):
        return True
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):  # NUL and other controls
        return True
    return any(part in ("..", ".") for part in raw.split("/"))


def _check_names(entries: list[zipfile.ZipInfo]) -> None:
    seen: set[str] = set()
    for entry in entries:
        raw = entry.orig_filename  # zipfile cuts the name at a NUL; the original keeps it
        if unsafe_name(raw):
            raise ContentRejected(_("The archive holds a file with an unsafe name: %(name)s. "
                                    "Such a file is not accepted.", name=visible(raw)))
        if raw.lower() in seen:  # two parts of one name: readers would disagree which counts
            raise ContentRejected(_("The archive holds the file %(name)s twice.",
                                    name=visible(raw)))
        seen.add(raw.lower())


def _read_part(archive: zipfile.ZipFile, names: dict[str, str], wanted: str) -> bytes:
    """A small part by its lower-cased name (part names are case-insensitive), read with a cap."""
    if wanted not in names:
        raise _damaged()
    with archive.open(names[wanted]) as part:
        data = part.read(MAX_PART_BYTES + 1)
    if len(data) > MAX_PART_BYTES:
        raise _damaged()
    return data


def _identify(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> str | None:
    names = {e.filename.lower(): e.filename for e in entries}
    if "mimetype" in names:
        kind = _odf_kind(archive, names)
    elif "[content_types].xml" in names:
        kind = _ooxml_kind(archive, names)
    else:
        return None
    _check_entries(kind, entries)
    return kind


def _xml(data: bytes):
    try:
        return ElementTree.fromstring(data, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        raise _damaged() from exc


def _ooxml_kind(archive: zipfile.ZipFile, names: dict[str, str]) -> str:
    """The format named by the content type of the main part that ``_rels/.rels`` points to."""
    types = _xml(_read_part(archive, names, "[content_types].xml"))
    defaults = {e.get("Extension", "").lower(): e.get("ContentType", "")
                for e in types.iter(f"{_CT}Default")}
    overrides = {e.get("PartName", "").lower(): e.get("ContentType", "")
                 for e in types.iter(f"{_CT}Override")}
    if any(marker in ct.lower() for ct in (*defaults.values(), *overrides.values())
           for marker in _MACRO_TYPES):
        raise _macros()
    rels = _xml(_read_part(archive, names, "_rels/.rels"))
    targets = [r.get("Target", "") for r in rels.iter(f"{_REL}Relationship")
               if r.get("Type", "").endswith("/officeDocument")
               and r.get("TargetMode", "Internal") == "Internal"]
    if len(targets) != 1 or targets[0].lstrip("/").lower() not in names:
        raise _damaged()
    main = targets[0].lstrip("/").lower()
    content_type = overrides.get("/" + main) or defaults.get(main.rsplit(".", 1)[-1], "")
    kind = OOXML_MAIN.get(content_type)
    if kind is None:
        raise ContentRejected(_("This Office file is not a DOCX or XLSX document (its main part "
                                "is “%(type)s”). Save it as .docx, .xlsx or PDF and upload it "
                                "again.", type=visible(content_type or "?")))
    return kind


def _odf_kind(archive: zipfile.ZipFile, names: dict[str, str]) -> str:
    """The format named by the ``mimetype`` entry; content and manifest must be there too."""
    mimetype = _read_part(archive, names, "mimetype").strip().decode("ascii", "replace")
    kind = ODF_MIMETYPES.get(mimetype)
    if kind is None:
        raise ContentRejected(_("This OpenDocument file is not a text document (.odt): its "
                                "type is “%(type)s”. Save it as .odt, .docx, .xlsx or PDF and "
                                "upload it again.", type=visible(mimetype)))
    if "content.xml" not in names or "meta-inf/manifest.xml" not in names:
        raise _damaged()
    return kind


def _macros() -> ContentRejected:
    return ContentRejected(_("The document contains macros (a macro-enabled file such as .docm "
                             "or .xlsm, whatever its name says). Save it as an ordinary "
                             ".docx, .xlsx or .odt without macros, or as PDF."))


def _check_entries(kind: str, entries: list[zipfile.ZipInfo]) -> None:
    """No macro parts and nothing that does not belong to the format."""
    root_files, folders = _ALLOWED[kind]
    for entry in entries:
        name = entry.filename.lower()
        if _MACRO_PARTS.search(name):
            raise _macros()
        extension = name.rsplit(".", 1)[-1] if "." in name.rsplit("/", 1)[-1] else ""
        belongs = (name in root_files or name.startswith(folders)
                   or (kind == "odt" and _ODF_OBJECT.match(name) is not None))
        if not belongs or extension in _FOREIGN_EXTENSIONS:
            raise ContentRejected(_("The archive holds a file that does not belong in a "
                                    "%(format)s document: %(name)s. Such a file is not "
                                    "accepted.", format=FORMAT_LABELS[kind],
                                    name=visible(entry.orig_filename)))
