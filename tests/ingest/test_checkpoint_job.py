"""Every worker signs the tree head hourly, and only when the log has grown."""

from __future__ import annotations

from ingest.sources import DEMO_FEED, DEMO_SUBJECT
from services import worker as schedule
from services.audit import ensure_signing_key
from services.capture import ingest_source
from store.checkpoints import latest_checkpoint


def test_the_worker_runs_an_hourly_checkpoint_job():
    jobs = {job.name: job for job in schedule.PERIODIC}
    assert jobs["checkpoint"].seconds == 3600


def test_the_job_signs_a_new_head_once(archive):
    ensure_signing_key(archive)
    ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
    schedule.sign_checkpoint(archive)
    first = latest_checkpoint(archive.engine)
    assert first is not None and first.tree_size == archive.events.head()
    schedule.sign_checkpoint(archive)
    assert latest_checkpoint(archive.engine) == first
