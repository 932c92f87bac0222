"""Pages fit the screen: the pages of every demo role in Chromium at 1366×768 and 1920×1080,
walked from home one page of each kind. Every page answers 200, the document never scrolls
sideways, a table wider than its card scrolls inside a ``.table-responsive`` wrapper, chart
axis labels do not overlap, and the favicon loads.

With ``PORTAL_TOUR=docs`` each role's main page (TOUR) is saved as docs/tour-<login>.png at
1366×768 (the README's tour).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.live import LiveServer, browser_log_in

pytestmark = [pytest.mark.live, pytest.mark.browser]

ROLES = ["admin", "region", "ozersk", "curator", "head", "curator.college"]
VIEWPORTS = [(1366, 768), (1920, 1080)]
PAGES_PER_ROLE = 26
# Pages the walk must reach (so a change of links cannot quietly leave them unchecked).
_REGISTER = {"/organizations/N/mentoring/participants", "/organizations/N/mentoring/pairs",
             "/organizations/N/mentoring/programmes", "/organizations/N/monitoring"}
REACHED = {"region": {"/forms/N", "/forms/N/rules", "/catalogue/rules", "/regions/N/presence",
                      "/regions/N/presence/checklist", "/organizations/N/reports/N"},
           "curator": _REGISTER, "head": _REGISTER, "curator.college": _REGISTER}
# The page of each role the README's tour shows: the first of its main pages matching.
TOUR = {"admin": r"/$", "region": r"/regions/\d+/periods/\d+/status", "ozersk": r"/status$",
        "curator": r"/reports/\d+$", "head": r"/reports/\d+$", "curator.college": r"/dashboards$"}
# Pages whose tables must show every column at 1366 px (the home pages, the status and the
# presence pages), not just scroll.
WHOLE = re.compile(r"/(presence|status)(\?|$)")
# Links into the portal's main pages (not downloads, not one of many similar pages).
SKIP = re.compile(r"\.(xlsx|csv|pdf|png|jpe?g|docx)$|/download|/export|/file$|/versions/|/logout|"
                  r"/set-password|/events/\d+|/history$|[?&]page=")

MEASURE = """(whole) => {
  const problems = [];
  document.querySelectorAll('main details').forEach((d) => { d.open = true; });
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    problems.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
  }
  const name = (el) => el.dataset.testid || el.id || el.className || el.tagName;
  for (const table of document.querySelectorAll('main table')) {
    if (!table.offsetParent) continue;  // not shown (a closed <details>)
    const wrapper = table.closest('.table-responsive');
    if (wrapper) {
      if (getComputedStyle(wrapper).overflowX === 'visible') {
        problems.push(`table ${name(table)}: its wrapper does not scroll`);
      } else if (whole && table.scrollWidth > wrapper.clientWidth + 1) {
        problems.push(`table ${name(table)} is cut off: ${table.scrollWidth} > ${wrapper.clientWidth}`);
      }
      continue;
    }
    const parent = table.parentElement;
    if (table.getBoundingClientRect().width > parent.clientWidth + 1) {
      problems.push(`table ${name(table)} is wider than ${name(parent)} and has no scroll wrapper`);
    }
  }
  for (const svg of document.querySelectorAll('svg.main-svg')) {
    for (const axis of ['xtick', 'ytick']) {
      const boxes = [...svg.querySelectorAll(`g.${axis} text`)]
        .map((t) => t.getBoundingClientRect()).filter((b) => b.width > 0);
      for (let i = 1; i < boxes.length; i++) {
        const a = boxes[i - 1], b = boxes[i];
        const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
          && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
        if (overlap) problems.push(`chart labels overlap on ${axis}: ${i}`);
      }
    }
  }
  return problems;
}"""


def _links(page, base: str) -> list[str]:
    """The portal pages the current page's menu and body link to, in order."""
    links = page.eval_on_selector_all("nav a[href], main a[href]", "els => els.map(e => e.href)")
    return [url for url in (link.split("#")[0] for link in links)
            if url.startswith(base) and not SKIP.search(urlparse(url).path)]


def _kind(url: str) -> str:
    """The page a link shows, whoever's it is: its path with every id as N (one organization's
    page stands for all, so the walk reaches the register, the form editor… in its budget)."""
    return re.sub(r"\d+", "N", urlparse(url).path)


def _walk(page, base: str, measure) -> list[str]:
    """Measure the home page, then the pages it links to, then the pages those link to —
    breadth first, one page of each kind, at most PAGES_PER_ROLE; the pages walked."""
    found, kinds = [base + "/"], {_kind(base + "/")}
    for url in found:
        measure(url)
        if len(found) < PAGES_PER_ROLE:
            for link in _links(page, base):
                if _kind(link) not in kinds and len(found) < PAGES_PER_ROLE:
                    kinds.add(_kind(link))
                    found.append(link)
    return found


def _add_presence_form(url: str) -> str:
    """A one-off form of the demo region for its colleges with an evidence item and a yes/no
    item of the presence checklist (the demo's quarterly form has neither), opened; the address
    of the first regional college's report on it (curator.college's, the regional
    coordinator's)."""
    from datetime import date

    import sqlalchemy as sa

    from portal.catalogue import operations
    from portal.catalogue.definition import ItemKind, Periodicity
    from portal.extensions import db
    from portal.reports import period_operations
    from tenants.models import Organization, Region, Subordination
    from tests.conftest import migrated_app

    app = migrated_app(url)
    with app.app_context():
        region = db.session.scalar(sa.select(Region).filter_by(code="99"))
        form = operations.create_form(region, code="presence", name_ru="Наличие документов",
                                      name_en="Documents", periodicity=Periodicity.ONE_OFF,
                                      applies_to=["college"])
        operations.add_indicator(
            form, code="regulation", kind=ItemKind.EVIDENCE, section="Документы",
            label_ru="Наличие утверждённого локальным актом Положения о системе наставничества "
                     "педагогических работников в образовательной организации",
            label_en="Regulation", applies_to=["college"], presence=True,
            document_kind="regulation")
        operations.add_indicator(form, code="page", kind=ItemKind.YES_NO, section="Документы",
                                 label_ru="Раздел «Наставничество» на официальном сайте",
                                 label_en="Website section", applies_to=["college"],
                                 presence=True)
        # before the demo's last quarter, so the pages of the tour still show that quarter
        period = period_operations.open_collection(form, (date(2026, 9, 1),) * 2)
        college = db.session.scalar(sa.select(Organization).filter_by(
            subordination=Subordination.REGIONAL).order_by(Organization.id))
        address = f"/organizations/{college.id}/reports/{period.id}"
        db.session.commit()
        db.engine.dispose()
    return address


@pytest.fixture(scope="module")
def layout_server(databases, tmp_path_factory):
    """The demo region with a form of evidence items, served on its own database (the other
    browser tests' server keeps the demo as it is); the evidence report's address."""
    server = LiveServer(databases.new_database("portal_layout"),
                        tmp_path_factory.mktemp("layout-instance")).start()
    try:
        yield server, _add_presence_form(server.env["DATABASE_URL"])
    finally:
        server.stop()


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    for chart in page.locator("[data-testid^=figure-]").all():
        if chart.is_visible():
            page.wait_for_selector(f"[data-testid={chart.get_attribute('data-testid')}]"
                                   "[data-drawn] svg.main-svg", timeout=15000)


@pytest.mark.parametrize("login", ROLES)
def test_main_pages_fit_the_screen(layout_server, browser, login):
    live_server, evidence = layout_server
    problems: dict[str, list[str]] = {}
    pages: list[str] = []
    for width, height in VIEWPORTS:
        context = browser.new_context(locale="ru-RU", viewport={"width": width, "height": height})
        page = context.new_page()
        icons: list[tuple[int, str]] = []
        page.on("response", lambda r, icons=icons: icons.append((r.status, r.url))
                if "favicon" in r.url else None)
        browser_log_in(page, live_server.url, login)

        def measure(url, page=page, width=width, height=height):
            response = page.goto(url)
            if not response.ok:  # an error page has no table to overflow: it fails by itself
                problems[f"{width}×{height} {url}"] = [f"answered {response.status}"]
                return
            _settle(page)
            # The home, status and presence pages show every column; others may scroll.
            found = page.evaluate(MEASURE, url == live_server.url + "/" or bool(WHOLE.search(url)))
            if found:
                problems[f"{width}×{height} {url}"] = found

        if pages:  # the second viewport measures the pages the first one walked
            for url in pages:
                measure(url)
        else:
            pages = _walk(page, live_server.url, measure)
            # The report form with evidence items: read-only for the regional coordinator,
            # with the link and file fields for the college's curator.
            if login in ("region", "curator.college"):
                pages.append(live_server.url + evidence)
                measure(pages[-1])
        if width == 1366 and os.environ.get("PORTAL_TOUR"):
            page.goto(next(u for u in pages if re.search(TOUR[login], u)))
            _settle(page)
            page.screenshot(path=str(Path(os.environ["PORTAL_TOUR"]) / f"tour-{login}.png"))
        assert icons and all(status == 200 for status, _url in icons), icons
        context.close()
    assert REACHED.get(login, set()) <= {_kind(url) for url in pages}, pages
    assert not problems, problems
