"""The pages as a person sees them, in Debian's Chromium driven by Playwright over loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.app import create_app
from ingest.sources import DEMO_FEED, DEMO_SUBJECT
from services.capture import ingest_source
from services.tokens import create_token
from tests.api.conftest import settings_for
from tests.api.hostile import SUBJECT as HOSTILE_SUBJECT
from tests.api.hostile import hostile_feed, posted_reports
from tests.api.live import serve
from tests.conftest import open_archive

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module: Playwright's sync API runs one driver per thread."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("pages")
    url = f"sqlite:///{tmp_path / 'recount.db'}"
    archive = open_archive(url, tmp_path)
    ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
    archive.close()
    with serve(create_app(settings_for(url, tmp_path))) as base:
        tab = browser.new_page()
        tab.base = base
        yield tab
        tab.close()


def current(page, metric: str) -> str:
    return page.locator(f'.current[data-metric="{metric}"] .current-value').inner_text()


def test_subject_page_shows_current_values_chart_quotes_and_sources(page):
    page.goto(f"{page.base}/")
    page.get_by_role("link", name=DEMO_SUBJECT).click()
    assert current(page, "deaths") == "160"
    assert current(page, "arrests") == "10,000"
    chart = page.get_by_role("img", name="Arrests reported over time")
    assert chart.is_visible()
    assert chart.locator("circle.revision").count() >= 3
    assert chart.get_attribute("data-steps") == "3"
    quote = page.locator("#arrests blockquote").first
    assert quote.is_visible() and "10,000" in quote.inner_text()
    source = page.locator("#arrests a.source-link").first
    assert source.is_visible()
    assert source.get_attribute("href").startswith("https://")
    assert "at_position=14" in page.locator("a.permalink").inner_text()


def test_as_of_control_moves_the_current_arrests_back_to_9900(page):
    page.goto(f"{page.base}/subjects/{DEMO_SUBJECT}")
    page.get_by_label("Show what had been reported by").fill("2022-01-11")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**as_of=2022-01-11")
    assert current(page, "arrests") == "9,900"
    assert current(page, "deaths") == "160"
    assert page.get_by_label("Show what had been reported by").input_value() == "2022-01-11"


def test_figure_page_lists_the_history_with_quotes_and_links(page):
    page.goto(f"{page.base}/subjects/{DEMO_SUBJECT}/arrests")
    assert page.get_by_role("heading", name="Arrests").is_visible()
    assert page.locator("ol.quotes li").count() == 5
    assert page.get_by_text("Revisions: 10,000 → 9,900 → 10,000").is_visible()


@pytest.fixture(scope="module")
def hostile_page(browser, tmp_path_factory):
    """A live server whose archive holds reports and feed entries with script source URLs."""
    import httpx

    tmp_path = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{tmp_path / 'recount.db'}"
    archive = open_archive(url, tmp_path)
    ingest_source(archive, str(hostile_feed(tmp_path)), HOSTILE_SUBJECT)
    token = create_token(archive, "attacker")
    archive.close()
    with serve(create_app(settings_for(url, tmp_path))) as base:
        for body in posted_reports():
            posted = httpx.post(
                f"{base}/v1/subjects/{HOSTILE_SUBJECT}/reports",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            )
            assert posted.status_code == 201, posted.text
        tab = browser.new_page()
        tab.base = base
        tab.dialogs = []
        tab.refusals = []
        tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
        tab.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and tab.refusals.append(message.text)
            ),
        )
        yield tab
        tab.close()


@pytest.mark.parametrize("path", ["", "/deaths", "/arrests"])
def test_script_source_urls_never_run_when_a_reader_clicks_them(hostile_page, path):
    page = hostile_page
    page.goto(f"{page.base}/subjects/{HOSTILE_SUBJECT}{path}")
    for summary in page.locator("details:not([open]) summary").all():
        summary.click()
    protocols = page.locator("a").evaluate_all("links => links.map(a => a.protocol)")
    assert set(protocols) <= {"http:", "https:"}, protocols
    shown = page.locator(".quote .source-text")
    assert shown.count() >= 3
    for source in shown.all():
        source.click()
    page.wait_for_timeout(200)
    assert page.dialogs == []
    assert page.url.startswith(page.base)


def test_the_pages_stylesheet_still_applies_under_the_content_security_policy(hostile_page):
    page = hostile_page
    page.goto(f"{page.base}/subjects/{HOSTILE_SUBJECT}")
    value = page.locator(".current-value").first
    assert value.evaluate("e => getComputedStyle(e).fontWeight") == "700"
    step = page.locator("svg.chart path.step").first
    assert step.evaluate("e => getComputedStyle(e).fill") == "none"
    assert page.refusals == []
