"""The review desk as a reviewer uses it, in Chromium: sign in, correct a wrong troop count
from the queue, see the subject page change, sign out and see no controls."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.app import create_app
from domain.events import FigureReported, PendingEvent, Source
from domain.qualifiers import Qualifier
from ingest.sources import DEMO_FEED, DEMO_SUBJECT
from services.capture import ingest_source
from services.tokens import create_token
from tests.api.conftest import settings_for
from tests.api.live import serve
from tests.api.test_pages_browser import CHROMIUM, browser  # noqa: F401  (the fixture)
from tests.conftest import open_archive

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
SENTENCE = (
    "The organization, led by Russia and made up of countries such as Armenia, Belarus, "
    "Kyrgyzstan, Tajikistan, Kazakhstan, among others, sent 2,030 soldiers to Kazakhstan, "
    "most of them Russians."
)


def misread(archive) -> str:
    """An extractor's doubtful reading of the troop sentence: 2,300 where it says 2,030."""
    report = FigureReported(
        report_id="00000000-0000-4000-8000-000000002300",
        subject=DEMO_SUBJECT,
        metric="troops",
        value=2300,
        low=2300,
        high=2300,
        qualifier=Qualifier.EXACT,
        unit="soldiers",
        quote=SENTENCE,
        reported_at=datetime(2022, 1, 20, tzinfo=UTC),
        source=Source(url="https://example.org/troops", title="Troops", publisher="Example"),
        confidence=0.05,
    )
    metadata = {"actor": "ingest", "extractor_version": "test"}
    archive.events.append([PendingEvent(report, metadata=metadata)])
    return report.report_id


@pytest.fixture
def desk(browser, tmp_path):  # noqa: F811
    url = f"sqlite:///{tmp_path / 'recount.db'}"
    archive = open_archive(url, tmp_path)
    ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
    wrong = misread(archive)
    token = create_token(archive, "desk-a", "editor")
    archive.close()
    with serve(create_app(settings_for(url, tmp_path))) as base:
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        yield tab, base, token, wrong
        tab.close()


def troops_now(tab) -> str:
    return tab.locator('.current[data-metric="troops"] .current-value').inner_text()


def shot(tab, folder: Path, name: str) -> None:
    """A screenshot to look at (`pytest --basetemp DIR` keeps them where you want)."""
    tab.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_reviewer_corrects_a_wrong_troop_count_from_the_queue(desk, tmp_path):
    tab, base, token, wrong = desk
    tab.goto(f"{base}/subjects/{DEMO_SUBJECT}")
    assert troops_now(tab) == "2,300"
    assert tab.locator("form.correction").count() == 0
    tab.locator("a.review-link").click()
    item = tab.locator(f'li.item[data-report="{wrong}"]')
    assert item.locator("mark").inner_text() == "2,030"
    assert item.locator("button").count() == 0  # not signed in: no controls
    shot(tab, tmp_path, "review-queue-reader")

    tab.get_by_role("link", name="Sign in").first.click()
    tab.get_by_label("API token").fill(token)
    tab.get_by_role("button", name="Sign in").click()
    assert tab.url.endswith("/review")
    cookies = {c["name"]: c for c in tab.context.cookies()}
    session = cookies["recount_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert token not in session["value"]
    item = tab.locator(f'li.item[data-report="{wrong}"]')
    assert item.locator(".waiting").count() == 0
    shot(tab, tmp_path, "review-queue-signed-in")

    item.locator("summary", has_text="Correct").click()
    form = item.locator("form.correction").first
    form.get_by_label("Value").fill("2,030")
    form.get_by_label("Reason").fill("the dispatch says 2,030")
    form.get_by_role("button", name="Save correction").click()
    assert tab.locator(f'li.item[data-report="{wrong}"]').count() == 0

    tab.goto(f"{base}/subjects/{DEMO_SUBJECT}")
    assert troops_now(tab) == "2,030"
    tab.goto(f"{base}/subjects/{DEMO_SUBJECT}/troops")
    notes = tab.locator(".review-note").all_inner_texts()
    assert any(
        n.startswith("corrected from 2,300 to 2,030 by desk-a") and "dispatch" in n for n in notes
    )
    shot(tab, tmp_path, "figure-after-correction")

    tab.get_by_role("button", name="Sign out").click()
    tab.goto(f"{base}/subjects/{DEMO_SUBJECT}/troops")
    assert tab.locator("form.correction").count() == 0
    assert tab.locator("button", has_text="Confirm").count() == 0
    assert tab.get_by_role("link", name="Sign in").is_visible()
    assert troops_now(tab) == "2,030"
    shot(tab, tmp_path, "figure-signed-out")


def test_a_form_without_the_sessions_csrf_secret_is_refused(desk):
    tab, base, token, wrong = desk
    tab.goto(f"{base}/signin")
    tab.get_by_label("API token").fill(token)
    tab.get_by_role("button", name="Sign in").click()
    response = tab.request.post(
        f"{base}/review/{wrong}/confirm",
        form={"csrf": "guessed", "back": "/review"},
        headers={"Accept": "text/html"},
    )
    assert response.status == 403
    tab.goto(f"{base}/review")
    assert tab.locator(f'li.item[data-report="{wrong}"]').count() == 1
