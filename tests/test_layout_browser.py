"""Pages fit the screen: the main pages of every demo role in Chromium at 1366×768 and
1920×1080. The document never scrolls sideways, a table wider than its card scrolls inside a
``.table-responsive`` wrapper, chart axis labels do not overlap, and the favicon loads.

With ``PORTAL_TOUR=docs`` each role's main page (TOUR) is saved as docs/tour-<login>.png at
1366×768 (the README's tour).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.live import browser_log_in

pytestmark = [pytest.mark.live, pytest.mark.browser]

ROLES = ["admin", "region", "ozersk", "curator", "head", "curator.college"]
VIEWPORTS = [(1366, 768), (1920, 1080)]
PAGES_PER_ROLE = 14
# The page of each role the README's tour shows: the first of its main pages matching.
TOUR = {"admin": r"/$", "region": r"/regions/\d+/periods/\d+/status", "ozersk": r"/status$",
        "curator": r"/reports/\d+$", "head": r"/reports/\d+$", "curator.college": r"/dashboards$"}
# Pages whose tables must show every column at 1366 px (the home pages, the status and the
# presence pages), not just scroll.
WHOLE = re.compile(r"/(presence|status)(\?|$)")
# Links into the portal's main pages (not downloads, not one of many similar pages).
SKIP = re.compile(r"\.(xlsx|csv|pdf|png|jpe?g)$|/download|/versions/|/logout|/set-password|"
                  r"/events/\d+|/history$|[?&]page=")

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


def _main_pages(page, base: str) -> list[str]:
    """The home page, then the pages its menu and its body link to, in order, without repeats."""
    links = page.eval_on_selector_all("nav a[href], main a[href]", "els => els.map(e => e.href)")
    found = [base + "/"]
    for link in links:
        url = link.split("#")[0]
        if url.startswith(base) and not SKIP.search(urlparse(url).path) and url not in found:
            found.append(url)
    return found[:PAGES_PER_ROLE]


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    for chart in page.locator("[data-testid^=figure-]").all():
        if chart.is_visible():
            page.wait_for_selector(f"[data-testid={chart.get_attribute('data-testid')}]"
                                   "[data-drawn] svg.main-svg", timeout=15000)


@pytest.mark.parametrize("login", ROLES)
def test_main_pages_fit_the_screen(live_server, browser, login):
    problems: dict[str, list[str]] = {}
    for width, height in VIEWPORTS:
        context = browser.new_context(locale="ru-RU", viewport={"width": width, "height": height})
        page = context.new_page()
        icons: list[tuple[int, str]] = []
        page.on("response", lambda r, icons=icons: icons.append((r.status, r.url))
                if "favicon" in r.url else None)
        browser_log_in(page, live_server.url, login)
        pages = _main_pages(page, live_server.url)
        tour = {live_server.url + "/"} | {u for u in pages if WHOLE.search(u)}
        for url in pages:
            page.goto(url)
            _settle(page)
            # The pages of the tour show every column; others may scroll inside a card.
            found = page.evaluate(MEASURE, url in tour)
            if found:
                problems[f"{width}×{height} {url}"] = found
        if width == 1366 and os.environ.get("PORTAL_TOUR"):
            page.goto(next(u for u in pages if re.search(TOUR[login], u)))
            _settle(page)
            page.screenshot(path=str(Path(os.environ["PORTAL_TOUR"]) / f"tour-{login}.png"))
        assert icons and all(status == 200 for status, _url in icons), icons
        context.close()
    assert not problems, problems
