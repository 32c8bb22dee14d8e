"""ReadAhead: the loader's producer thread gives every item in order, hands errors on, and stops when closed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from loaders.read_ahead import ReadAhead


def test_items_arrive_in_order_and_the_producer_runs_ahead() -> None:
    produced: list[int] = []

    def numbers() -> Iterator[int]:
        for number in range(50):
            produced.append(number)
            yield number

    with ReadAhead(numbers(), depth=2) as ahead:
        iterator = iter(ahead)
        assert next(iterator) == 0
        deadline = time.monotonic() + 5
        while len(produced) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(produced) >= 3, "the producer works while the consumer holds item 0"
        assert [0, *iterator] == list(range(50))


def test_an_error_in_the_producer_is_raised_in_the_consumer() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("bad chunk in exchanges.csv")

    with ReadAhead(failing()) as ahead:
        received: list[int] = []
        with pytest.raises(ValueError, match="bad chunk"):
            for item in ahead:
                received.append(item)
    assert received == [1]


def test_closing_early_stops_the_producer() -> None:
    def endless() -> Iterator[int]:
        number = 0
        while True:
            yield number
            number += 1

    before = threading.active_count()
    with ReadAhead(endless(), name="test-read-ahead") as ahead:
        for item in ahead:
            if item == 3:
                break
    assert not any(thread.name == "test-read-ahead" for thread in threading.enumerate())
    assert threading.active_count() <= before
