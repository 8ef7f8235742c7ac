"""Every worker signs the tree head hourly, and only when the log has grown."""

from __future__ import annotations

from ingest import schedule
from ingest.sources import DEMO_FEED, DEMO_SUBJECT, ingest_source
from store.checkpoints import latest_checkpoint
from store.keys import ensure_signing_key


def test_the_worker_runs_an_hourly_checkpoint_job():
    jobs = {job.name: job for job in schedule.PERIODIC}
    assert jobs["checkpoint"].seconds == 3600


def test_the_job_signs_a_new_head_once(archive):
    ensure_signing_key(archive.settings)
    ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
    schedule.sign_checkpoint(archive)
    first = latest_checkpoint(archive)
    assert first is not None and first.tree_size == archive.events.head()
    schedule.sign_checkpoint(archive)
    assert latest_checkpoint(archive) == first
