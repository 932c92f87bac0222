"""Every user-visible string goes through Babel, and both catalogues are complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [p for p in ROOT.glob("**/templates")  # not the virtualenv nor mutmut's copy
                 if not {".venv", "mutants"} & set(p.relative_to(ROOT).parts)]
TRANSLATIONS = ROOT / "portal" / "translations"
TAG = re.compile(r"<[^>]*>", re.S)
ENTITY = re.compile(r"&[a-zA-Z#0-9]+;")
ATTRIBUTE_TEXT = re.compile(r'\b(?:placeholder|title|aria-label|alt)="([^"{]*)"')
LETTERS = re.compile(r"[A-Za-zА-Яа-яЁё]")
TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?%}.*?{%-?\s*endtrans\s*-?%}", re.S)
COMMENT = re.compile(r"{#.*?#}", re.S)
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1>", re.S)
JINJA = re.compile(r"{{.*?}}|{%.*?%}", re.S)


def _templates():
    for folder in TEMPLATE_DIRS:
        yield from sorted(folder.rglob("*.html"))


def _untranslated_text(app, path: Path) -> list[str]:
    """Literal text of a template that is neither markup nor inside trans/_()."""
    source = path.read_text(encoding="utf-8")
    app.jinja_env.parse(source)  # a template that does not compile fails here
    text = TRANS_BLOCK.sub("", source)
    text = COMMENT.sub("", text)
    text = SCRIPT_OR_STYLE.sub("", text)
    text = JINJA.sub("§", text)  # expressions and statements: not literal text
    found = [m for m in ATTRIBUTE_TEXT.findall(text) if LETTERS.search(m)]
    visible = ENTITY.sub(" ", TAG.sub(" ", text))
    found += [chunk.strip() for chunk in visible.split("\n") if LETTERS.search(chunk)]
    return found


def test_templates_have_no_text_outside_trans(app):
    problems = {str(p.relative_to(ROOT)): _untranslated_text(app, p) for p in _templates()}
    problems = {path: texts for path, texts in problems.items() if texts}
    assert list(_templates()), "no templates found"
    assert not problems, problems


def test_the_check_catches_bare_text(app, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<p>Отчёт</p><input placeholder="Search">{% trans %}ok{% endtrans %}')
    assert _untranslated_text(app, bad) == ["Search", "Отчёт"]


def _extracted_ids() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    options = {"**/templates/**.html": {"trimmed": "true"}}
    ids = set()
    for package in ("portal", "tenants", "dashboards"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / package, method_map, options_map=options,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "_l": None,
                      "lazy_gettext": None},
        ):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_catalogue_is_complete(locale):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue if m.id}
    missing = sorted(_extracted_ids() - set(translated))
    assert not missing, f"run `flask translate update` and translate: {missing}"
    empty = sorted(k for k, m in translated.items()
                   if not (m.string if isinstance(m.string, str) else all(m.string))
                   or m.fuzzy)
    assert not empty, f"untranslated or fuzzy in {locale}: {empty}"


def test_russian_by_default_and_english_on_request(client, factory):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="ru"' in page and "Вход в портал наставничества" in page
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Log in to the mentoring portal" in english.get_data(as_text=True)


def test_language_choice_is_remembered_per_user(client, factory):
    from portal.auth.models import User
    from portal.extensions import db
    from tenants.models import Role

    user = factory.user(Role.ADMIN)
    client.login(user)
    client.post_form("/language", {"locale": "en"})
    assert db.session.get(User, user.id).locale == "en"
    client.post_form("/logout")
    client.login(user)  # a new session: the choice comes from the account
    assert "Welcome" in client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert client.post_form("/language", {"locale": "de"}).status_code == 400
