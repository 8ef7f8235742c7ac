"""The charts tell the truth: what is drawn sets the axes, and every value drawn is labelled."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.charts import NARROW, WIDE, chart_svg
from domain.figures import Window
from services.figures import figure_timeline
from tests.api.conftest import settings_for
from tests.api.story import PLOTTED, SUBJECT, record_story
from tests.conftest import open_archive


@pytest.fixture
def story(database_url, tmp_path):
    archive = open_archive(database_url, tmp_path)
    record_story(archive)
    yield archive
    archive.close()


def timeline(archive, metric, as_of=None):
    return figure_timeline(archive, SUBJECT, metric, Window(as_of))[0]


def y_ticks(svg: str) -> list[int]:
    return [int(t.replace(",", "")) for t in re.findall(r'class="tick y-tick"[^>]*>([\d,]+)<', svg)]


def x_ticks(svg: str) -> list[str]:
    return re.findall(r'class="tick x-tick"[^>]*>([^<]+)<', svg)


def labels(svg: str) -> list[str]:
    return re.findall(r'class="value-label"[^>]*>([\d,]+)<', svg)


@pytest.mark.parametrize("size", [WIDE, NARROW])
def test_another_events_toll_and_a_projection_never_set_the_axis(story, size):
    svg = chart_svg(timeline(story, "deaths"), size=size)
    top = max(y_ticks(svg))
    assert max(PLOTTED) <= top < 10_000  # not 30,000 (other event) nor 10,000 (projection)
    assert 'data-y-top="' in svg and "30,000" not in svg
    assert "not drawn: 1 other event, 1 projection" in svg


def test_each_revision_is_labelled_and_the_current_value_ends_the_line(story):
    svg = chart_svg(timeline(story, "deaths"))
    assert labels(svg) == ["1,200", "2,300", "4,890", "4,980"]
    current = re.search(r'class="current-label"[^>]*>([\d,]+)<', svg)
    assert current and current.group(1) == "4,980"
    assert re.search(r'class="current-words"[^>]*>at least<', svg)


def test_the_first_and_last_dates_have_ticks(story):
    ticks = x_ticks(chart_svg(timeline(story, "deaths")))
    assert ticks[0] == "10 Mar" and ticks[-1] == "14 Mar"


def test_a_vague_band_stays_within_the_axis_and_is_named_in_the_legend(story):
    svg = chart_svg(timeline(story, "troops"))
    assert max(y_ticks(svg)) < 9_999  # "thousands" reaches 9,999 and does not stretch the axis
    assert "vague: “thousands” (2,000–9,999), 12 Mar — cut at the axis" in svg
    assert 'class="legend-swatch"' in svg


def test_an_as_of_chart_stops_at_its_cut_off(story):
    cut_off = datetime(2026, 3, 12, 23, 59, 59, tzinfo=UTC)
    svg = chart_svg(timeline(story, "deaths", cut_off), cut_off)
    path = re.search(r'class="step" d="([^"]+)"', svg).group(1)
    line_end = float(path.split("H")[-1])
    cut = float(re.search(r'class="cut-off" x1="([\d.]+)"', svg).group(1))
    assert line_end == cut
    assert x_ticks(svg)[-1] == "as of 12 Mar"
    assert labels(svg) == ["1,200", "2,300"] and "4,890" not in svg


def test_the_chart_downloads_as_a_standalone_svg(database_url, tmp_path):
    archive = open_archive(database_url, tmp_path)
    record_story(archive)
    archive.close()
    with TestClient(create_app(settings_for(database_url, tmp_path))) as client:
        response = client.get(f"/subjects/{SUBJECT}/deaths.svg", params={"as_of": "2026-03-12"})
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/svg+xml"
        assert response.text.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
        assert "as of 12 Mar" in response.text
