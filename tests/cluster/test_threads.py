"""The clusterer's copy of the threads: joins, restores from stored threads, forgets."""

from __future__ import annotations

from storywire.cluster.threads import Threads


def test_joins_make_one_thread_and_a_story_alone_is_its_own() -> None:
    threads = Threads()
    assert threads.members(7) == {7}
    threads.join(2, 1)
    threads.join(3, 2)
    threads.join(5, 4)
    assert threads.members(1) == threads.members(3) == {1, 2, 3}
    assert threads.members(4) == {4, 5}
    threads.join(4, 3)
    assert threads.members(5) == {1, 2, 3, 4, 5}


def test_forgetting_a_story_keeps_the_rest_of_its_thread() -> None:
    threads = Threads()
    threads.join(2, 1)
    threads.join(3, 1)
    threads.forget([1, 9])
    assert threads.members(2) == {2, 3}
    threads.forget([2, 3])
    assert threads.members(2) == {2}


def test_stored_threads_are_restored_for_the_stories_held() -> None:
    threads = Threads()
    threads.restore({1: 1, 2: 1, 3: 1, 8: 8, 9: 8}, held=[2, 3, 9, 20])
    assert threads.members(2) == {2, 3}
    assert threads.members(9) == {9}
    assert threads.members(20) == {20}


def test_a_thread_goes_by_one_key_for_all_its_stories() -> None:
    threads = Threads()
    assert threads.key(4) == 4
    threads.join(2, 1)
    threads.join(3, 2)
    assert threads.key(1) == threads.key(2) == threads.key(3) != threads.key(4)
