"""Running a command's event loop so that Ctrl-C ends it within a second, whatever it is doing.

``asyncio.run`` turns the first Ctrl-C into a cancellation that the loop delivers
only when the running code next awaits; a check digesting a 16 MB answer may not
await for seconds, and until then Ctrl-C seems ignored. :func:`run` cancels the
same way, and also starts a timer: if the cancellation has not ended the coroutine
within ``GRACE`` seconds, ``KeyboardInterrupt`` is raised wherever the code is, as
a second Ctrl-C would. Either way the caller sees ``KeyboardInterrupt`` and can
still write what it has (a scan's partial report).
"""

from __future__ import annotations

import _thread
import asyncio
import signal
import threading
from collections.abc import Coroutine
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")

GRACE = 0.5
"""Seconds a cancelled coroutine has to end by itself before it is interrupted."""


class _Stop:
    """The SIGINT handler: cancel first, interrupt when that is not enough."""

    def __init__(self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any]) -> None:
        self.loop = loop
        self.task = task
        self.interrupted = False
        self._timer: threading.Timer | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.interrupted or self.task.done():
            raise KeyboardInterrupt
        self.interrupted = True
        self.task.cancel()
        self.loop.call_soon_threadsafe(_nothing)
        self._timer = threading.Timer(GRACE, self._again)
        self._timer.daemon = True
        self._timer.start()

    def _again(self) -> None:
        # The loop may sit in select(): wake it, so the pending "signal" is handled now.
        _thread.interrupt_main(signal.SIGINT)
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(_nothing)

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to the end; Ctrl-C raises KeyboardInterrupt here within about a second."""
    loop = asyncio.new_event_loop()
    task = loop.create_task(main)
    stop = _Stop(loop, task)
    installed = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, stop) if installed else None
    try:
        return loop.run_until_complete(task)
    except asyncio.CancelledError:
        if stop.interrupted:
            raise KeyboardInterrupt from None
        raise
    finally:
        stop.disarm()
        if installed:
            signal.signal(signal.SIGINT, previous or signal.default_int_handler)
        _close(loop)


def _close(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what is left, give it ``GRACE`` seconds to finish, and close the loop quietly."""
    try:
        left = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in left:
            task.cancel()
        if left:
            loop.run_until_complete(asyncio.wait(left, timeout=GRACE))
        loop.run_until_complete(loop.shutdown_asyncgens())
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass  # a second Ctrl-C while cleaning up: stop cleaning up
    finally:
        # Tasks still pending are dropped: the process is ending, nothing to report on them.
        loop.set_exception_handler(_nothing_to_say)
        loop.close()


def _nothing() -> None:
    """Wake the loop."""


def _nothing_to_say(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Silence 'Task was destroyed but it is pending' for tasks abandoned on Ctrl-C."""
