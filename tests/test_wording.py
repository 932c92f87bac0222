"""Russian that reads as if a person wrote it: every page of every demo role is read in
Russian, and English words, raw codes, «..», messages in lower case, units said twice or
brackets after a full stop fail the test (tests/visible_text.py says what counts)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import openpyxl
import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from jinja2 import nodes

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db
from portal.report_files import file_format as fmt
from portal.report_files.workbooks import UPLOAD_MUNICIPAL_FILE
from portal.reports.forms import UPLOAD_FROM_FILE
from tests.demo_site import DEMO_ROLES, crawl, log_in, save_a_value
from tests.visible_text import ALLOWED_LATIN, LATIN_WORD, REPEATED_UNIT, ROMAN, faults, read

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "portal" / "translations" / "ru" / "LC_MESSAGES" / "messages.po"
# The demo's logins are data shown on the administrator's pages, not interface words.
LOGINS = frozenset(DEMO_ROLES + ["kamensk"] + [p for r in DEMO_ROLES for p in r.split(".")])
# Forms whose action cannot be undone by their author: they must ask inside the page.
CONSEQUENTIAL = re.compile(r"/(accept|return|reopen|confirm|retire|toggle|active)$")


@pytest.fixture(scope="module")
def demo_site(databases, tmp_path_factory):
    """The portal on its own database with the demo region, one value edited (history)."""
    from flask_migrate import upgrade

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = databases.new_database("portal_demo_site")

    saved = os.environ.get("PORTAL_INSTANCE_PATH")
    os.environ["PORTAL_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("demo-site"))
    try:
        application = create_app(Config)
    finally:
        if saved is not None:
            os.environ["PORTAL_INSTANCE_PATH"] = saved
    with application.app_context():
        upgrade()
    assert application.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    curator = application.test_client()
    log_in(curator, "curator")
    form_url = re.search(r'href="(/organizations/\d+/reports/\d+)"',
                         curator.get("/").get_data(as_text=True)).group(1)
    save_a_value(curator, form_url, "staff_total", "1250")
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("login", DEMO_ROLES)
def test_every_page_reads_as_russian(demo_site, login):
    client = demo_site.test_client()
    log_in(client, login)
    problems, pages = {}, 0
    for url, response in crawl(client):
        assert response.status_code in (200, 302), (url, response.status_code)
        if response.mimetype == "text/html" and response.status_code == 200:
            pages += 1
            found = faults(response.get_data(as_text=True), LOGINS)
        elif response.mimetype == "text/csv":
            header = response.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
            found = [f"unit repeated: {header!r}"] if REPEATED_UNIT.search(header) else []
        else:
            continue
        if found:
            problems[url] = sorted(set(found))
    assert pages > 20, pages
    assert not problems, problems


def test_history_names_indicators_and_states(demo_site):
    client = demo_site.test_client()
    log_in(client, "curator")
    home = client.get("/").get_data(as_text=True)
    form_url = re.search(r'href="(/organizations/\d+/reports/\d+)"', home).group(1)
    form = client.get(form_url).get_data(as_text=True)
    history = client.get(re.search(r'href="(/reports/\d+/history)"', form).group(1))
    text = history.get_data(as_text=True)
    assert "Педагогических работников всего" in text and re.search(r"1\s250", text)
    submissions = [client.get(f"/reports/{n}/history").get_data(as_text=True)
                   for n in range(1, 9)]
    submissions = [page for page in submissions if "ход согласования" in page]
    assert submissions, "no history with a submission"
    assert "черновик" in submissions[0] and "отправлен" in submissions[0]
    assert ">submitted<" not in submissions[0] and ">draft<" not in submissions[0]


def test_the_reader_catches_each_fault():
    page = ("<html><head><title>Отчёт</title></head><body>"
            "<h1>Status</h1><p>Состояние: awaiting_head</p><p>IV квартал 2026 г..</p>"
            "<div class='alert alert-info'>файл сохранён</div>"
            "<th>Нагрузка (наставляемых на одного), наставляемых на одного</th>"
            "<label>Значение изменилось. (Наставники)</label>"
            "<td><code>staff_total</code></td><script>var english = 1;</script>"
            "<input placeholder='Search'></body></html>")
    found = "\n".join(faults(page))
    for expected in ("'Status'", "'awaiting_head'", "double dot", "lower case: 'файл",
                     "unit repeated", "bracket after a full stop", "'Search'"):
        assert expected in found, (expected, found)
    assert "staff_total" not in found and "english" not in found
    assert faults("<p>IV квартал 2026 г. — <kbd>org_code</kbd>, PDF или XLSX…</p>") == []


def _template_lookups(app):
    """Every msgid the templates look up at run time, as Jinja passes it to gettext."""
    for folder in [p for p in ROOT.glob("**/templates") if ".venv" not in p.parts]:
        for path in folder.rglob("*.html"):
            tree = app.jinja_env.parse(path.read_text(encoding="utf-8"))
            for call in tree.find_all(nodes.Call):
                name = getattr(call.node, "name", "")
                args = [a.value for a in call.args if isinstance(a, nodes.Const)]
                if name in ("gettext", "_", "ngettext") and args:
                    yield path, None, args[0]
                elif name in ("pgettext", "npgettext") and len(args) >= 2:
                    yield path, args[0], args[1]


def test_every_template_message_is_found_at_run_time(app):
    """What a template asks for at run time is in the catalogue: a «%» inside {% trans %}
    (doubled by Jinja at run time, not when extracted) would silently stay English."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    known = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalogue if m.id}
    lookups = list(_template_lookups(app))
    assert len(lookups) > 300
    missing = sorted({f"{p.relative_to(ROOT)}: {msgid!r}" for p, context, msgid in lookups
                      if (context, msgid) not in known})
    assert not missing, missing


def test_the_lookup_check_sees_a_percent_in_trans(app):
    tree = app.jinja_env.parse("{% trans %}completeness, %{% endtrans %}")
    assert [c.args[0].value for c in tree.find_all(nodes.Call)] == ["completeness, %%"]


@pytest.mark.parametrize("count, words", [
    (1, "отчёт ожидается"), (3, "отчёта ожидается"), (9, "отчётов ожидается"),
    (21, "отчёт ожидается"), (0, "отчётов ожидается")])
def test_counters_agree_with_their_numbers(app, count, words):
    summary = {"expected": count, "submitted": count, "on_time": count, "accepted": count,
               "completeness": None, "timeliness": None}
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        html = app.jinja_env.get_template("status/_summary.html").render(summary=summary)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert f"{count} {words}" in text, text
    assert ("отчёт отправлен" if words.startswith("отчёт ") else "отправлено") in text


def test_periods_agree_in_gender_and_actions_ask_first(demo_site):
    client = demo_site.test_client()
    log_in(client, "region")
    home = client.get("/").get_data(as_text=True)
    periods = client.get(re.search(r'href="(/regions/\d+/periods)"', home).group(1))
    text = periods.get_data(as_text=True)
    assert "открыт" in text and "закрыт<" in text and "закрыта" not in text


@pytest.mark.parametrize("login", ["region", "ozersk", "head", "admin"])
def test_consequential_actions_ask_inside_the_page(demo_site, login):
    client = demo_site.test_client()
    log_in(client, login)
    asked = 0
    for url, response in crawl(client):
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        for form in re.finditer(r'<form method="post" action="([^"]+)"', html):
            if CONSEQUENTIAL.search(form.group(1)):
                opened = html.rfind("<details", 0, form.start())
                closed = html.rfind("</details>", 0, form.start())
                assert opened > closed and "confirm-action" in html[opened:opened + 60], (
                    url, form.group(1))
                asked += 1
    assert asked or login == "head"


QUOTED = re.compile(r"[«“]([^»”]+)[»”]")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
DOUBLED_PUNCTUATION = re.compile(r"(?<![.…])\.\.(?![.…])|[,;:]\s*[,;:.]|\.\s*[,;:]|[!?]\s*\.")
# Typed into a CSV file as they stand, in either language: column names and indicator codes.
TYPED = {"code", "value", "org_code", "BOM", "UTF", "CSV", "Windows"}


def _page_text(client, url: str) -> str:
    return read(client.get(url).get_data(as_text=True))[0]


def _filled(data: bytes, column: str, row: int, value: int) -> bytes:
    """The downloaded template with one value typed in, as a user sends it back."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    workbook.worksheets[0][f"{column}{row}"] = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _preview(client, page_url: str, upload_url: str, data: bytes) -> str:
    """The visible text of the check page the uploaded file leads to (nothing is saved)."""
    page = client.get(upload_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    sent = client.post(upload_url, content_type="multipart/form-data", data={
        "file": (io.BytesIO(data), "filled.xlsx"), "csrf_token": token})
    assert sent.status_code in (302, 303), sent.status_code
    return "\n".join((_page_text(client, page_url), read(page)[0],
                      _page_text(client, sent.headers["Location"])))


def _report_files(client) -> tuple[bytes, str]:
    """The curator's template and the text of the pages it names: the report, the upload
    page and the check page of the filled template."""
    form_url = re.search(r'href="(/organizations/\d+/reports/\d+)"',
                         client.get("/").get_data(as_text=True)).group(1)
    data = client.get(form_url + "/template.xlsx").data
    code_row = next(row[0].row for row in openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
                    .iter_rows(min_col=1, max_col=1) if row[0].value == "staff_total")
    return data, _preview(client, form_url, form_url + "/upload",
                          _filled(data, "E", code_row, 1251))


def _municipal_files(client) -> tuple[bytes, str]:
    """The coordinator's municipal template and the text of the pages it names."""
    status = next(url for url, _r in crawl(client) if url.endswith("/status"))
    html = client.get(status).get_data(as_text=True)
    template = re.search(r'href="([^"]+/template\.xlsx)"', html).group(1)
    data = client.get(template).data
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    column = next(c.column_letter for c in sheet[5] if c.value == "staff_total")
    row = next(r[0].row for r in sheet.iter_rows(min_row=6) if r[3].value in (
        "не начат", "черновик", "not started", "draft"))
    upload = re.search(r'href="([^"]+/upload)"', html).group(1)
    return data, _preview(client, status, upload, _filled(data, column, row, 7))


def _instructions(data: bytes) -> tuple[list[str], set[str]]:
    """The instruction sheet's lines and the names the workbook itself shows (its sheets, its
    column headers and the labels above them)."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = next(s for s in workbook.worksheets if s.title in fmt.SKIPPED_SHEETS)
    lines = [row[0] for row in sheet.iter_rows(values_only=True) if row[0]]
    names = {s.title for s in workbook.worksheets} | {
        str(c.value) for row in workbook.worksheets[0].iter_rows(max_row=5) for c in row if c.value}
    return lines, names


def _instruction_faults(data: bytes, pages: str, locale: str) -> list[str]:
    lines, names = _instructions(data)
    found = [f"not a button or a name of the file: {name!r}" for line in lines
             for name in QUOTED.findall(line)
             if name not in names and name not in pages and not re.fullmatch(r"[\d ,.]+", name)]
    found += [f"doubled punctuation: {line!r}" for line in lines
              if DOUBLED_PUNCTUATION.search(line)]
    # The organization's or municipality's own name is data in whatever language it has.
    text = [re.sub(r" — .*?\. (Period|Период):", " ", line) for line in lines]
    if locale == "ru":
        found += [f"English: {word!r} in {line!r}" for line in text
                  for word in LATIN_WORD.findall(line) if word not in TYPED and "_" not in word
                  and word not in ALLOWED_LATIN and not ROMAN.match(word)]
    else:
        found += [f"Russian: {line!r}" for line in text if CYRILLIC.search(line)]
    return found


@pytest.mark.parametrize("locale", ["ru", "en"])
@pytest.mark.parametrize("login, files", [("curator", _report_files),
                                          ("ozersk", _municipal_files)])
def test_instruction_sheet_names_the_real_buttons(demo_site, login, files, locale):
    """A template's instructions name the buttons as the pages do, in the user's language."""
    client = demo_site.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/language", data={"locale": locale, "csrf_token": token})  # before logging in
    log_in(client, login)
    data, pages = files(client)
    lines, _names = _instructions(data)
    button = UPLOAD_FROM_FILE if login == "curator" else UPLOAD_MUNICIPAL_FILE
    with demo_site.test_request_context(), force_locale(locale):
        quoted = ("«{}»" if locale == "ru" else "“{}”").format(button)
        assert any(quoted in line for line in lines), (quoted, lines)
    assert len(lines) > 5 and not _instruction_faults(data, pages, locale), \
        _instruction_faults(data, pages, locale)


def test_the_instruction_check_sees_each_fault(demo_site):
    client = demo_site.test_client()
    log_in(client, "curator")
    data, pages = _report_files(client)
    lines, _names = _instructions(data)
    assert not _instruction_faults(data, pages, "ru")
    assert _instruction_faults(data, pages.replace("Загрузить из файла", ""), "ru")
    assert _instruction_faults(data, pages, "en")  # Russian in what should be English
    broken = openpyxl.load_workbook(io.BytesIO(data))
    sheet = next(s for s in broken.worksheets if s.title in fmt.SKIPPED_SHEETS)
    sheet["A3"] = sheet["A3"].value + ". Press Upload.."
    out = io.BytesIO()
    broken.save(out)
    found = "\n".join(_instruction_faults(out.getvalue(), pages, "ru"))
    assert "doubled punctuation" in found and "English: 'Press'" in found, found


def test_favicon_is_served_without_a_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response.headers["Location"])
    icon.close()
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)


def test_printed_links_follow_the_served_port(monkeypatch):
    from portal.config import served_base_url

    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "8123")
    assert served_base_url() == "http://127.0.0.1:8123"
    monkeypatch.delenv("PORT")
    assert served_base_url() == "http://127.0.0.1:8000"
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.org/")
    assert served_base_url() == "https://portal.example.org"


def test_an_upload_saved_already_says_so(demo_site):
    client = demo_site.test_client()
    log_in(client, "curator.ds3")
    form_url = re.search(r'href="(/organizations/\d+/reports/\d+)"',
                         client.get("/").get_data(as_text=True)).group(1)
    page = client.get(form_url + "/upload").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    sent = client.post(form_url + "/upload", content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"code;value\nmentors;9\n"), "r.csv"), "csrf_token": token})
    preview_url = sent.headers["Location"]
    assert client.post(preview_url + "/save", data={"csrf_token": token}).status_code == 302
    back = client.get(preview_url)  # the browser's back button
    text = back.get_data(as_text=True)
    assert back.status_code == 200 and "уже сохранён" in text and f'href="{form_url}"' in text
    again = client.post(preview_url + "/save", data={"csrf_token": token})
    assert again.headers["Location"].endswith(form_url)
    other = demo_site.test_client()
    log_in(other, "curator.ds3")  # the same person elsewhere: still told, never someone else
    assert other.get(preview_url).status_code == 200
    log_in(other := demo_site.test_client(), "head")
    assert "уже сохранён" not in other.get(preview_url).get_data(as_text=True)


@pytest.mark.parametrize("login, path, query", [
    ("ozersk", "/dashboards/municipalities/{m}", {"type": "school"}),
    ("region", "/regions/{r}/periods/{p}/status", {"type": "college"}),
    ("region", "/regions/{r}/presence", {"type": "college"}),
])
def test_filters_keep_their_values(demo_site, login, path, query):
    """A filtered page shows the filter as chosen, so «Показать» does not reset it."""
    client = demo_site.test_client()
    log_in(client, login)
    home = client.get("/").get_data(as_text=True)
    ids = {"m": re.search(r"/municipalities/(\d+)", home), "r": re.search(r"/regions/(\d+)", home),
           "p": re.search(r"/periods/(\d+)", home)}
    url = path.format(**{k: v.group(1) for k, v in ids.items() if v})
    html = client.get(url, query_string=query).get_data(as_text=True)
    forms = re.findall(r'<form[^>]*method="get".*?</form>', html, re.S | re.I)
    assert forms, url
    for name, value in query.items():
        select = re.search(rf'<select[^>]*name="{name}".*?</select>', " ".join(forms), re.S)
        assert select, (url, name)
        assert re.search(rf'<option value="{value}"\s+selected', select.group(0)), select.group(0)


def test_demo_documents_name_who_uploaded_them(demo_site):
    client = demo_site.test_client()
    log_in(client, "ozersk")
    orgs = set(re.findall(r'href="/organizations/(\d+)"', client.get("/").get_data(as_text=True)))
    registers = [client.get(f"/organizations/{org}/documents").get_data(as_text=True)
                 for org in orgs]
    assert len(registers) > 3
    assert all("text-body-secondary\">—," not in page for page in registers)
    assert any("Ковалёва Ирина Петровна" in page for page in registers)


def test_return_link_opens_the_return_question(demo_site):
    client = demo_site.test_client()
    log_in(client, "ozersk")
    status = next(r.get_data(as_text=True) for url, r in crawl(client) if url.endswith("/status"))
    link = re.search(r'href="([^"]+action=return)#return-report"', status).group(1)
    page = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert re.search(r'<details class="confirm-action" id="return-report"[^>]*\bopen>', page)
