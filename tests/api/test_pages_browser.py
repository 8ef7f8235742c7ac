"""The pages as a person sees them, in Debian's Chromium driven by Playwright over loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from api.app import create_app
from ingest.sources import DEMO_FEED, DEMO_SUBJECT
from services.capture import ingest_source
from services.tokens import create_token
from tests.api.conftest import settings_for
from tests.api.hostile import SUBJECT as HOSTILE_SUBJECT
from tests.api.hostile import hostile_feed, posted_reports
from tests.api.live import serve
from tests.api.story import REPORTS, record_story
from tests.api.story import SUBJECT as STORY
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
    record_story(archive)
    archive.close()
    with serve(create_app(settings_for(url, tmp_path))) as base:
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
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
    assert f"at_position={14 + len(REPORTS)}" in page.locator("a.permalink").inner_text()


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


def numbers(locator) -> list[int]:
    return [int(t.replace(",", "")) for t in locator.all_text_contents()]


def test_another_events_toll_does_not_set_the_axis_and_every_step_is_labelled(page):
    page.goto(f"{page.base}/subjects/{STORY}/deaths")
    chart = page.get_by_role("img", name="Deaths reported over time")
    assert chart.is_visible()
    ticks = numbers(chart.locator("text.y-tick"))
    assert 4_980 <= max(ticks) < 10_000  # 30,000 was another event's, 10,000 a projection
    assert chart.locator("text.value-label").all_text_contents() == [
        "1,200",
        "2,300",
        "4,890",
        "4,980",
    ]
    assert chart.locator("text.current-label").text_content() == "4,980"
    assert chart.locator("text.x-tick").first.text_content() == "10 Mar"
    assert chart.locator("text.x-tick").last.text_content() == "14 Mar"
    assert (
        "not drawn: 1 other event, 1 projection" in chart.locator("text.legend-note").text_content()
    )


def test_on_a_phone_the_narrow_chart_is_shown_with_readable_labels(browser, page):
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        phone.goto(f"{page.base}/subjects/{STORY}/deaths")
        assert phone.locator("svg.chart-wide").first.is_hidden()
        narrow = phone.locator("svg.chart-narrow").first
        assert narrow.is_visible()
        label = narrow.locator("text.value-label").first.bounding_box()
        assert label["height"] >= 11  # pixels on screen: the text is not scaled down
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        phone.close()


def test_the_history_page_as_of_control_moves_the_figure_back(page):
    page.goto(f"{page.base}/subjects/{DEMO_SUBJECT}/arrests")
    page.get_by_label("Show what had been reported by").fill("2022-01-11")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/arrests?as_of=2022-01-11")
    assert current(page, "arrests") == "9,900"
    assert page.get_by_text("As of 2022-01-11, as recorded up to log position").is_visible()
    cut_off = page.locator("svg.chart-wide text.x-tick").last.text_content()
    assert cut_off.startswith("as of 11 Jan")


def test_sources_compared_puts_each_sources_latest_statement_side_by_side(page):
    page.goto(f"{page.base}/subjects/{STORY}/deaths")
    table = page.get_by_role("table")
    rows = [
        [cell.inner_text() for cell in row.locator("th, td").all()]
        for row in table.locator("tbody tr").all()
    ]
    assert rows == [
        ["BBC", "at least 4,980 · current", "14 Mar 2026"],
        ["Reuters", "4,890", "13 Mar 2026"],
        ["AP", "2,300", "11 Mar 2026"],
    ]
    assert page.locator(".spread").inner_text() == "2,680"


def test_the_embed_shows_the_value_and_chart_inside_another_sites_frame(page):
    embed = f"{page.base}/subjects/{STORY}/deaths/embed"
    other = f"{page.base}/subjects/{STORY}/deaths"
    html = (
        f'<iframe id="embed" src="{embed}" width="600" height="480"></iframe>'
        f'<iframe id="page" src="{other}" width="600" height="480"></iframe>'
    )
    news = FastAPI()
    news.get("/story", response_class=HTMLResponse)(lambda: html)
    with serve(news) as elsewhere:  # another site: another origin on loopback
        page.goto(f"{elsewhere}/story")
        frame = page.frame_locator("#embed")
        assert frame.locator(".current-value").inner_text() == "4,980"
        assert frame.get_by_role("img", name="Deaths reported over time").is_visible()
        page.wait_for_load_state("load")  # both frames have answered
        refused = page.frame_locator("#page").locator(".current-value")
        assert refused.count() == 0  # every other page keeps frame-ancestors 'none'


def test_an_unknown_subject_is_a_readable_page_that_explains_the_problem(page):
    response = page.goto(f"{page.base}/subjects/nowhere")
    assert response.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
    assert page.get_by_text("no subject 'nowhere' in the archive").is_visible()
    page.get_by_role("link", name="what this means").click()
    assert page.get_by_role("heading", name="UnknownSubject").is_visible()


def test_the_api_docs_render_with_nothing_from_the_internet(browser, page):
    docs = browser.new_page()
    elsewhere: list[str] = []

    def local_only(route):
        if route.request.url.startswith(page.base):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    try:
        docs.route("**/*", local_only)
        docs.goto(f"{page.base}/docs")
        docs.locator(".opblock").first.wait_for()
        assert docs.locator(".opblock").count() >= 15
        assert elsewhere == []
    finally:
        docs.close()


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
