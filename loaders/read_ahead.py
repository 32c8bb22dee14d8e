"""Run a producer one step ahead of its consumer, on a second thread.

The loader alternates work that holds the CPU in this process (reading, validating, building rows) with
work that waits (pyarrow kernels that release the GIL, the database applying a write). Producing item n+1
while item n is consumed overlaps the two; a bounded queue keeps at most ``depth`` items waiting.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

ItemT = TypeVar("ItemT")


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = object()


class ReadAhead(Generic[ItemT]):
    """Iterate ``items`` on a background thread, ``depth`` items ahead; errors re-raise in the consumer.

    Closing early (``close()``, or leaving a ``with`` block) stops the producer at its next item.
    """

    def __init__(self, items: Iterable[ItemT], depth: int = 1, name: str = "sockhound-read-ahead") -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max(1, depth))
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._produce, args=(items,), name=name, daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not self._stopped.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, items: Iterable[ItemT]) -> None:
        try:
            for item in items:
                if not self._put(item):
                    return
        except BaseException as error:  # handed to the consumer, which re-raises it
            self._put(_Failure(error))
            return
        self._put(_DONE)

    def __iter__(self) -> Iterator[ItemT]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]

    def close(self) -> None:
        self._stopped.set()
        self._thread.join()

    def __enter__(self) -> ReadAhead[ItemT]:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
