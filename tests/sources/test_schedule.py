from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storywire.models import Feed
from storywire.sources.schedule import Outcome, SchedulePolicy, next_check

NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)
POLICY = SchedulePolicy()


def test_busy_feeds_are_checked_more_often_and_quiet_ones_less() -> None:
    feed = Feed(id=1, url="u", check_interval_seconds=1800)
    busy = next_check(feed, Outcome(new_items=4), NOW, POLICY)
    assert busy.check_interval_seconds == 900 and busy.next_due_at == NOW + timedelta(minutes=15)
    quiet = next_check(feed, Outcome(new_items=0), NOW, POLICY)
    assert quiet.check_interval_seconds == 2700


def test_intervals_stay_within_bounds() -> None:
    feed = Feed(id=1, url="u")
    for _ in range(20):
        feed = next_check(feed, Outcome(new_items=1), NOW, POLICY)
    assert feed.check_interval_seconds == POLICY.min_interval.total_seconds()
    for _ in range(20):
        feed = next_check(feed, Outcome(), NOW, POLICY)
    assert feed.check_interval_seconds == POLICY.max_interval.total_seconds()


def test_errors_back_off_exponentially_then_disable_with_the_reason() -> None:
    feed = Feed(id=1, url="u")
    waits = []
    for _ in range(POLICY.max_failures - 1):
        feed = next_check(feed, Outcome(error="HTTP 500"), NOW, POLICY)
        assert feed.next_due_at is not None
        waits.append(feed.next_due_at - NOW)
        assert not feed.disabled and feed.last_error == "HTTP 500"
    assert waits[:3] == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]
    assert max(waits) == POLICY.max_interval
    feed = next_check(feed, Outcome(error="HTTP 500"), NOW, POLICY)
    assert feed.disabled and feed.last_error is not None
    assert feed.last_error.startswith(f"disabled after {POLICY.max_failures} consecutive failures")


def test_success_clears_the_error_and_gone_disables_at_once() -> None:
    failing = Feed(id=1, url="u", consecutive_failures=3, last_error="timeout")
    ok = next_check(failing, Outcome(new_items=1), NOW, POLICY)
    assert ok.consecutive_failures == 0 and ok.last_error is None
    gone = next_check(Feed(id=1, url="u"), Outcome(error="HTTP 410 Gone", gone=True), NOW, POLICY)
    assert gone.disabled and "gone" in (gone.last_error or "")
