"""The data sheet of an uploaded XLSX, read as one stream within limits.

openpyxl is not used for uploads: even read-only it expands every shared string and style
into memory before the first row, and its errors on damaged files are of every kind. Here
the parts are streamed through :mod:`portal.ooxml` (bounded, hardened XML) and each event
is handled once: the workbook (sheets, their visibility, the date system), the shared
strings, the number formats of the cell styles, then the data sheet row by row. Only the
filled cells are kept, each as the user sees it: a number with a percent format is a
:class:`~portal.tabular.Percent` («37%» for a stored 0.37), a number with a date format is a
date, a formula is a :class:`~portal.tabular.Formula`. Hidden sheets are never read; the grid
says which were skipped.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal import ooxml, tabular
from portal.ooxml import local
from portal.tabular import FileRejected, Grid
from portal.tabular_sheet import BUILTIN_KINDS, GENERAL, Book, Enough, Limits, Sheet, format_kind


class _Part:
    """A handler that only counts elements; subclasses keep what they need."""

    def __init__(self) -> None:
        self.elements = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.elements += 1

    def end(self, name: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass


class _Relationships(_Part):
    """A ``.rels`` part: relationship id → (type, target); external targets are dropped."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: dict[str, tuple[str, str]] = {}

    def start(self, name, attrs):
        self.elements += 1
        if local(name) == "Relationship" and attrs.get("TargetMode") != "External":
            kind = attrs.get("Type", "").rpartition("/")[2]
            self.targets[attrs.get("Id", "")] = (kind, attrs.get("Target", ""))


class _ContentTypes(_Part):
    def __init__(self) -> None:
        super().__init__()
        self.types: list[str] = []

    def start(self, name, attrs):
        self.elements += 1
        if local(name) in ("Default", "Override"):
            self.types.append(attrs.get("ContentType", ""))


class _Workbook(_Part):
    """The sheets in tab order (name, state, relationship id) and the date system."""

    def __init__(self) -> None:
        super().__init__()
        self.sheets: list[tuple[str, str, str]] = []
        self.date1904 = False

    def start(self, name, attrs):
        self.elements += 1
        tag = local(name)
        if tag == "sheet":
            rid = next((v for k, v in attrs.items() if local(k) == "id"), "")
            self.sheets.append((attrs.get("name", ""), attrs.get("state", "visible"), rid))
        elif tag == "workbookPr":
            self.date1904 = attrs.get("date1904", "").lower() in ("1", "true")


class _Styles(_Part):
    """The number format of each cell style (``cellXfs``), as :func:`format_kind` sees it."""

    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self.limits = limits
        self.codes: dict[int, str] = {}
        self.formats: list[int] = []
        self.in_cell_formats = False

    def _refuse(self, limit: int) -> FileRejected:
        return FileRejected(_("The workbook has more than %(n)d cell or number formats; is it "
                              "the right file? Copy the data into the template and upload it "
                              "again.", n=limit))

    def start(self, name, attrs):
        self.elements += 1
        tag = local(name)
        if tag == "xf" and self.in_cell_formats:
            if len(self.formats) >= self.limits.styles:
                raise self._refuse(self.limits.styles)
            self.formats.append(_int(attrs.get("numFmtId")))
        elif tag == "numFmt":
            if len(self.codes) >= self.limits.number_formats:
                raise self._refuse(self.limits.number_formats)
            self.codes[_int(attrs.get("numFmtId"))] = attrs.get("formatCode", "")[:255]
        elif tag == "cellXfs":
            self.in_cell_formats = True

    def end(self, name):
        if local(name) == "cellXfs":
            self.in_cell_formats = False

    def kinds(self) -> list[int]:
        known: dict[int, int] = {}
        for number in set(self.formats):
            code = self.codes.get(number)
            known[number] = format_kind(code) if code is not None else \
                BUILTIN_KINDS.get(number, GENERAL)
        return [known[number] for number in self.formats]


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return -1


class _SharedStrings(_Part):
    """The shared strings (``<si>``), runs joined, phonetic guides left out; counted."""

    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self.limits = limits
        self.strings: list[str] = []
        self.parts: list[str] | None = None
        self.capture: list[str] | None = None
        self.phonetic = 0
        self.chars = 0

    def start(self, name, attrs):  # hot: twice for every string, so no call to local()
        self.elements += 1
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "t":
            if self.parts is not None and not self.phonetic:
                self.capture = []
        elif name == "si":
            self.parts = []
        elif name == "rPh":
            self.phonetic += 1

    def text(self, data):
        if self.capture is not None:
            self.chars += len(data)
            if self.chars > self.limits.shared_chars:
                raise FileRejected(_("The texts of the workbook are longer than %(n)d "
                                     "characters together; is it the right file?",
                                     n=self.limits.shared_chars))
            self.capture.append(data)

    def end(self, name):
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "t" and self.capture is not None:
            self.parts.append("".join(self.capture))
            self.capture = None
        elif name == "si" and self.parts is not None:
            self.strings.append("".join(self.parts))
            self.parts = None
            if len(self.strings) > self.limits.shared_strings:
                raise FileRejected(_("The workbook holds more than %(n)d different texts; is "
                                     "it the right file?", n=self.limits.shared_strings))
        elif name == "rPh":
            self.phonetic -= 1


def current_limits() -> Limits:
    """The limits of :mod:`portal.tabular`, read when a file is (tests lower them)."""
    t = tabular
    return Limits(ooxml.Limits(t.MAX_PART_BYTES, t.MAX_UNPACKED_BYTES, t.MAX_RATIO, t.MAX_PARTS,
                               t.MAX_XML_ELEMENTS, t.MAX_XML_TOKEN_BYTES),
                  rows=t.MAX_ROWS, lines=t.MAX_SHEET_LINES, columns=t.MAX_COLUMNS,
                  cells=t.MAX_CELLS, text=t.MAX_TEXT_CHARS, cell_chars=t.MAX_CELL_CHARS,
                  shared_strings=t.MAX_SHARED_STRINGS, shared_chars=t.MAX_SHARED_CHARS,
                  styles=t.MAX_STYLES, number_formats=t.MAX_NUMBER_FORMATS,
                  merged=t.MAX_MERGED)


def read_xlsx(data: bytes, prefer: tuple[str, ...], skip: tuple[str, ...],
              meta_sheet: str | None) -> Grid:
    """The data sheet of a workbook: the first visible sheet in ``prefer``, else not in ``skip``."""
    limits = current_limits()
    package = ooxml.Package(data, limits.package)
    _refuse_other_formats(package)
    workbook_path = _workbook_path(package)
    book_part, rels = _Workbook(), _Relationships()
    package.parse(workbook_path, book_part)
    rels_path = _rels_path(workbook_path)
    if rels_path in package.parts:
        package.parse(rels_path, rels)
    parts = {kind: package.resolve(workbook_path, target)
             for kind, target in rels.targets.values()}
    sheets = [(name, state, package.resolve(workbook_path, rels.targets[rid][1]))
              for name, state, rid in book_part.sheets
              if rels.targets.get(rid, ("",))[0] == "worksheet"]
    sheets = [sheet for sheet in sheets if sheet[2] in package.parts]
    hidden = [name for name, state, _path in sheets
              if state != "visible" and name not in skip and name != meta_sheet]
    visible = [(name, path) for name, state, path in sheets
               if state == "visible" and name not in skip and name != meta_sheet]
    if not visible:
        if hidden:
            raise FileRejected(_("The workbook has no visible sheet with data; hidden sheets "
                                 "are not read (%(names)s). Show the sheet with the report "
                                 "and upload the file again.", names=_names(hidden)))
        raise FileRejected(_("The workbook has no sheet with data."))
    book = Book(_shared_strings(package, parts.get("sharedStrings"), limits),
                 _styles(package, parts.get("styles"), limits), book_part.date1904)
    meta = _meta(package, book, limits, [p for n, _s, p in sheets if n == meta_sheet])
    title, path = next((s for s in visible if s[0] in prefer), visible[0])
    sheet = Sheet(title, book, limits)
    package.parse(path, sheet, lambda: (title, sheet.line))
    if not sheet.rows:
        raise FileRejected(_("The sheet “%(sheet)s” is empty.", sheet=title))
    notices = [_("Hidden sheets were not read: %(names)s.", names=_names(hidden))] if hidden \
        else []
    sheet.rows.sort(key=lambda row: row[0])
    return Grid("xlsx", sheet.rows, sorted(set(sheet.merged)), meta, notices, title, hidden)


def _names(names: list[str]) -> str:
    return ", ".join(f"«{name}»" for name in names)


def _refuse_other_formats(package: ooxml.Package) -> None:
    """OpenDocument, binary and macro-enabled workbooks get a message naming what they are."""
    names = {name.lower() for name in package.parts}
    if "mimetype" in package.parts and b"opendocument.spreadsheet" in package.read_bytes("mimetype",
                                                                                  200):
        raise FileRejected(_("This is an OpenDocument spreadsheet (.ods). Save it as an Excel "
                             "workbook: in LibreOffice Calc choose File → Save As → «Excel "
                             "2007-365 (.xlsx)», and upload the .xlsx file."))
    if "xl/workbook.bin" in names:
        raise FileRejected(_("This is an Excel binary workbook (.xlsb). Save it as an Excel "
                             "workbook (.xlsx) and upload it again."))
    types = _ContentTypes()
    if "[Content_Types].xml" in package.parts:
        package.parse("[Content_Types].xml", types)
    macros = any(n.rsplit("/", 1)[-1] == "vbaproject.bin" or n.startswith("xl/macrosheets/")
                 for n in names)
    if macros or any("macroenabled" in t.lower() or "vbaproject" in t.lower()
                     or "macrosheet" in t.lower() for t in types.types):
        raise FileRejected(_("The workbook contains macros (an .xlsm file). Files with macros "
                             "are not accepted: save it as an Excel workbook (.xlsx) and "
                             "upload it again."))


def _workbook_path(package: ooxml.Package) -> str:
    root = _Relationships()
    if "_rels/.rels" in package.parts:
        package.parse("_rels/.rels", root)
    path = next((package.resolve("", target) for kind, target in root.targets.values()
                 if kind == "officeDocument"), "xl/workbook.xml")
    if path not in package.parts:
        path = "xl/workbook.xml"
    if path not in package.parts:
        raise FileRejected(_("The file is a ZIP archive, not an Excel workbook (.xlsx)."))
    return path


def _rels_path(part: str) -> str:
    folder, _slash, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def _shared_strings(package, path: str | None, limits: Limits) -> list[str]:
    if path is None or path not in package.parts:
        return []
    strings = _SharedStrings(limits)
    package.parse(path, strings)
    return strings.strings


def _styles(package, path: str | None, limits: Limits) -> list[int]:
    if path is None or path not in package.parts:
        return []
    styles = _Styles(limits)
    package.parse(path, styles)
    return styles.kinds()


def _meta(package, book: Book, limits: Limits, paths: list[str]) -> dict[str, str]:
    """The key/value rows at the top of our templates' metadata sheet (hidden on purpose)."""
    if not paths:
        return {}
    sheet = Sheet("", book, limits, meta_lines=20)
    try:
        package.parse(paths[0], sheet)
    except Enough:
        pass  # its first rows are all a template writes there
    meta = {}
    for _line, values in sheet.rows:
        if values and values[0] is not None:
            value = values[1] if len(values) > 1 else None
            meta[str(values[0]).strip()] = "" if value is None else str(value).strip()
    return meta
