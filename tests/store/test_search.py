"""Search finds captured articles by their words and subjects by their names, on each backend,
and stays in step with the documents through new captures and a replay."""

from __future__ import annotations

from ingest.sources import DEMO_FEED, DEMO_SUBJECT
from services.audit import replay
from services.capture import ingest_source
from services.search import MARK_END, MARK_START, search


def test_an_article_is_found_by_its_words_with_the_match_marked(archive):
    ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
    found = search(archive, "Tokayev mercenaries")
    assert len(found.documents) == 1
    hit = found.documents[0]
    assert hit.subject == DEMO_SUBJECT and hit.url.startswith("https://")
    marked = {f"{MARK_START}{w}{MARK_END}" for w in ("tokayev", "mercenaries")}
    assert any(m in hit.snippet.lower() for m in marked)


def test_every_word_must_match_and_stems_match(archive):
    ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
    assert search(archive, "detained").documents  # "were detained"
    assert search(archive, "detain").documents  # the stem
    assert search(archive, "Tokayev zeppelin").documents == []


def test_the_engines_syntax_is_never_read_from_a_query(archive):
    ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
    for query in ['"', "NEAR(", "a OR", "title:*", "'); DROP TABLE documents; --", "!!!", ""]:
        search(archive, query)  # no error
    assert search(archive, "!!!").documents == []


def test_subjects_are_found_by_the_words_of_their_name(archive):
    ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
    assert search(archive, "kazakhstan 2022").subjects == [DEMO_SUBJECT]
    assert search(archive, "valoria").subjects == []


def test_the_index_follows_a_replay(archive):
    ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
    before = search(archive, "Tokayev")
    replay(archive)
    after = search(archive, "Tokayev")
    assert before.documents
    assert sorted(d.document_id for d in after.documents) == sorted(
        d.document_id for d in before.documents
    )
