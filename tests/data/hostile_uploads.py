"""Hostile and unusual report files of the corpus; tests/data/make_uploads.py writes them.

Workbooks are written part by part here, as Excel writes them (shared strings, styles), so
that each can be broken in exactly one way: damaged or DTD-laden XML, a shared string that
is not there, a corrupted deflate stream, and bombs - a few kilobytes that expand into far
more cells, shared strings, styles or XML elements than the reader accepts. A bomb carries a
random comment so that it is not refused for its compression ratio alone: each one reaches
the limit it is named after. Everything is seeded: the files are the same on every run.
"""

from __future__ import annotations

import codecs
import io
import random
import zipfile

MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def package(parts: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 9, 1, 12, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else \
                zipfile.ZIP_DEFLATED
            archive.writestr(info, data.encode() if isinstance(data, str) else data)
    return out.getvalue()


def book(sheets: list[tuple[str, str, str]], shared: str | None = None,
         styles: str | None = None, main: str = MAIN) -> bytes:
    """A workbook of ``sheets`` (name, state, sheet XML), with shared strings and styles."""
    types = [f'<Override PartName="/xl/workbook.xml" ContentType="{main}"/>']
    rels = []
    parts: dict[str, bytes | str] = {}
    entries = []
    for number, (name, state, xml) in enumerate(sheets, start=1):
        types.append(f'<Override PartName="/xl/worksheets/sheet{number}.xml" '
                     f'ContentType="{SHEET}"/>')
        rels.append(f'<Relationship Id="rId{number}" Type="{R}/worksheet" '
                    f'Target="worksheets/sheet{number}.xml"/>')
        entries.append(f'<sheet name="{name}" sheetId="{number}" state="{state}" '
                       f'r:id="rId{number}"/>')
        parts[f"xl/worksheets/sheet{number}.xml"] = xml
    for kind, xml in (("sharedStrings", shared), ("styles", styles)):
        if xml is not None:
            types.append(f'<Override PartName="/xl/{kind}.xml" ContentType="application/'
                         f'vnd.openxmlformats-officedocument.spreadsheetml.{kind}+xml"/>')
            rels.append(f'<Relationship Id="r{kind}" Type="{R}/{kind}" Target="{kind}.xml"/>')
            parts[f"xl/{kind}.xml"] = xml
    return package({
        "[Content_Types].xml": HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/'
        '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
        'formats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/>' + "".join(types) + "</Types>",
        "_rels/.rels": HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/'
        f'2006/relationships"><Relationship Id="rId1" Type="{R}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'{HEAD}<workbook {NS} xmlns:r="{R}"><sheets>{"".join(entries)}'
                           "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": HEAD + '<Relationships xmlns="http://schemas.openxml'
        f'formats.org/package/2006/relationships">{"".join(rels)}</Relationships>',
        **parts,
    })


def sheet(rows: str, prolog: str = "", padding: str = "") -> str:
    return f"{HEAD}{prolog}<worksheet {NS}>{padding}<sheetData>{rows}</sheetData></worksheet>"


def strings(texts: list[str], prolog: str = "") -> str:
    items = "".join(f"<si><t>{t}</t></si>" for t in texts)
    return f'{HEAD}{prolog}<sst {NS} count="{len(texts)}">{items}</sst>'


def styles(formats: str = "", xfs: str = '<xf numFmtId="0"/>', padding: str = "") -> str:
    return (f"{HEAD}<styleSheet {NS}>{padding}<numFmts>{formats}</numFmts>"
            f"<cellXfs>{xfs}</cellXfs></styleSheet>")


def padding(size: int, seed: int) -> str:
    """A comment of random letters: it makes a bomb pack like an ordinary file."""
    rng = random.Random(seed)
    return "<!--" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                            for _ in range(size)) + "-->"


# A report as a plain code/value table, text in shared strings: 0 code, 1 value, then codes.
CODES = ["code", "value", "staff_total", "mentors", "meetings_held"]


def _row(line: int, code: int, value: str) -> str:
    return (f'<row r="{line}"><c r="A{line}" t="s"><v>{code}</v></c>'
            f'<c r="B{line}"{value}</c></row>')


def excel_like(third: str = '><v>12') -> str:
    """The rows of the plain report: staff_total 40, mentors 5, meetings_held ``third``."""
    return (_row(1, 0, ' t="s"><v>1</v>') + _row(2, 2, "><v>40</v>") + _row(3, 3, "><v>5</v>")
            + _row(4, 4, f"{third}</v>"))


def _billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    prolog = f"<!DOCTYPE worksheet [{''.join(entities)}]>"
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    return book([("Лист1", "visible", sheet(rows, prolog))])


def _external_entity() -> bytes:
    prolog = '<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return book([("Лист1", "visible", sheet(excel_like()))],
                strings(["&xxe;", *CODES[1:]], prolog))


def _corrupt_deflate(data: bytes, part: str) -> bytes:
    """Flip bytes in the middle of one part's compressed stream, headers left intact."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(part)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    broken = bytearray(data)
    for at in range(middle, middle + 16):
        broken[at] ^= 0x5A
    return bytes(broken)


def _ods() -> bytes:
    return package({
        "mimetype": "application/vnd.oasis.opendocument.spreadsheet",
        "content.xml": '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:'
                       'xmlns:office:1.0"><office:body><office:spreadsheet/></office:body>'
                       "</office:document-content>",
        "META-INF/manifest.xml": '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                                 'opendocument:xmlns:manifest:1.0"/>',
    })


def _macros(template: bytes) -> bytes:
    """The template saved as .xlsm: a macro-enabled main part and a VBA project."""
    source = zipfile.ZipFile(io.BytesIO(template))
    parts: dict[str, bytes | str] = {name: source.read(name) for name in source.namelist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].decode().replace(
        MAIN, MACRO_MAIN).replace("</Types>", '<Default Extension="bin" ContentType='
                                  '"application/vnd.ms-office.vbaProject"/></Types>')
    parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    return package(parts)


def files(template: bytes) -> dict[str, bytes]:
    """The hostile files; ``template`` is the school's own report template."""
    rows = excel_like()
    plain = strings(CODES)
    many = 150_000
    return {
        "excel_shared_strings.xlsx": book([("Лист1", "visible", sheet(rows))], plain,
                                          styles()),
        "damaged_xml.xlsx": _damaged_xml(template),
        "billion_laughs.xlsx": _billion_laughs(),
        "external_entity.xlsx": _external_entity(),
        "shared_string_out_of_range.xlsx": book(
            [("Лист1", "visible", sheet(rows.replace('<v>3</v>', '<v>99</v>')))], plain),
        "corrupt_deflate.xlsx": _corrupt_deflate(template, "xl/worksheets/sheet1.xml"),
        "bomb_cells.xlsx": book([("Лист1", "visible", sheet(
            '<row r="1">' + "<c><v>1</v></c>" * 250 + "</row>" +
            "".join(f'<row r="{n}">' + "<c><v>1</v></c>" * 250 + "</row>"
                    for n in range(2, many // 250 + 2)), padding=padding(40_000, 1)))]),
        "bomb_shared_strings.xlsx": book([("Лист1", "visible", sheet(rows))],
                                         strings(CODES + ["x"] * many, padding(40_000, 2))),
        "bomb_styles.xlsx": book([("Лист1", "visible", sheet(rows))], plain, styles(
            xfs='<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>' * 70_000,
            padding=padding(50_000, 3))),
        "bomb_elements.xlsx": book([("Лист1", "visible", sheet(
            rows + '<row r="5">' + "<c/>" * 700_000 + "</row>", padding=padding(40_000, 4)))],
            plain),
        "bomb_packed.xlsx": book([("Лист1", "visible", sheet(
            "".join(f'<row r="{n}">' + "<c><v>1</v></c>" * 16_000 + "</row>"
                    for n in range(1, 90))))]),
        "huge_part.xlsx": book([("Лист1", "visible", sheet(rows, padding=" " * (30 << 20)))],
                               plain),
        "macros.xlsm": _macros(template),
        "binary_workbook.xlsb": package({"[Content_Types].xml": "<Types/>",
                                         "xl/workbook.bin": bytes(64)}),
        "spreadsheet.ods": _ods(),
        "utf16_tabs.csv": codecs.BOM_UTF16_LE + "Код показателя\tЗначение\r\nstaff_total\t40"
                          "\r\nstudents_passed_pct\t87,5\r\n".encode("utf-16-le"),
        "zero_width_code.csv": "code;value\nstaff_total\u200b;40\nmentors;5\n".encode(),
    }


def _damaged_xml(template: bytes) -> bytes:
    """The template with the end tag of its row 7 misspelt."""
    source = zipfile.ZipFile(io.BytesIO(template))
    parts: dict[str, bytes | str] = {name: source.read(name) for name in source.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    at = xml.index('<row r="7"')
    end = xml.index("</row>", at)
    parts["xl/worksheets/sheet1.xml"] = xml[:end] + "</rwo>" + xml[end + 6:]
    return package(parts)
