"""Stopping a render cleanly: SIGTERM and Ctrl-C take the KeyboardInterrupt path, which removes
work folders and stops kernels and Chromium, and end with one line (:func:`stoppable`). Imports
nothing heavy: the render service's client (:func:`.service.forward`) uses it before the command
line's imports.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

INTERRUPTED = "interrupted: reports already written are complete; none was half-written"
TERMINATED = "terminated (SIGTERM): reports already written are complete; none was half-written"


def stoppable(run) -> int:
    """``run()`` (returning an exit status) with :func:`stop_signals`: SIGTERM gives status 143 and
    the line :data:`TERMINATED`, Ctrl-C a KeyboardInterrupt for the caller (status 130,
    :data:`INTERRUPTED`)."""
    with stop_signals() as stopped:
        try:
            return run()
        except KeyboardInterrupt:
            if stopped["signal"] != signal.SIGTERM:
                raise
            print(TERMINATED, file=sys.stderr)
            return 128 + signal.SIGTERM


@contextlib.contextmanager
def stop_signals():
    """While rendering: SIGTERM (``docker stop``, ``kill``) stops like Ctrl-C — the
    KeyboardInterrupt path, which removes work folders and stops kernels and Chromium — and a
    second SIGINT or SIGTERM is ignored with one line, so that the first one's clean-up is not
    cut short (SIGKILL still stops at once; the next render removes what is left), and both stay
    ignored until the process exits. Yields a dict
    whose ``signal`` is the first signal received. A signal ignored on entry stays ignored
    (``nohup``, a background job); outside the main thread nothing changes."""
    state: dict = {"signal": None}
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def stop(signum, frame):
        if state["signal"] is not None:
            os.write(2, b"already stopping: the clean-up finishes first (SIGKILL stops at once)\n")
            return
        state["signal"] = signum
        raise KeyboardInterrupt

    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, stop)
    try:
        yield state
    finally:
        for signum, handler in previous.items():
            # once stopping, a later SIGINT or SIGTERM would only kill the exiting process
            signal.signal(signum, signal.SIG_IGN if state["signal"] is not None else handler)
