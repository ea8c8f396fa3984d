"""Print HTML pages to PDF with one long-lived headless Chromium (Debian's ``chromium``).

Starting Chromium costs about a second; a batch keeps one browser per worker and prints every
report through it with the DevTools protocol over ``--remote-debugging-pipe`` (JSON messages
separated by NUL bytes on file descriptors 3 and 4), which needs no extra Python package.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import select
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from .workspace import Workspace

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # Chromium 156 estimates the device's "performance class" for its on-device AI model three
    # minutes after start (optimization guide's PerformanceClassifier, delay
    # GetOnDeviceStartupMetricDelay), launching an OnDeviceModelService utility process (≈ 45 MB)
    # in a browser that lives that long: the render service's. A class given on the command line
    # (its switch for this; 2 = kVeryLow, a device too slow for the model) is taken as known and
    # nothing is launched. Disabling the features OptGuideOnDeviceModel (the v156 name of
    # OptimizationGuideOnDeviceModel), LogOnDeviceMetricsOnStartup, the optimization-hints
    # features, or --disable-field-trial-config did not stop it (ps, 215-400 s, 2026-12-07).
    # The PDFs print to the same bytes with it.
    "--optimization-guide-performance-class=2",
)


#: The CSS media the printing tab loads its pages with (``Emulation.setEmulatedMedia``): print,
#: as the PDF is made with; a tab emulating ``screen`` would print the screen stylesheet instead.
PRINT_MEDIA = {"media": "print"}

#: Seconds a page may take to print before its browser counts as hung.
PAGE_DEADLINE = 60.0

#: Chromium makes its process-singleton socket at ``$TMPDIR/org.chromium.Chromium.XXXXXX/
#: SingletonSocket`` and dies (FATAL "Socket path too long") when that path exceeds a Unix
#: socket's 107 characters.
SOCKET_PATH_MAX = 107
SINGLETON_TAIL = len("/org.chromium.Chromium.XXXXXX/SingletonSocket")
#: The short temporary folder of a Chromium whose profile's path is too long for its socket.
TMP_PREFIX = "compute-parity-chromium."


class PdfError(RuntimeError):
    """Chromium is missing or failed to print; the message says which."""


def chromium_binary() -> str:
    """Path of the Chromium used to print PDFs (``CHROMIUM`` overrides)."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise PdfError(
            "chromium is not installed; run `make setup` (it installs Debian's chromium) or render with --to html"
        )
    return found


def _high_fd(fd: int) -> int:
    """A close-on-exec copy of ``fd`` numbered 10 or above (so the child can move it to 3 or 4
    safely, and no other copy leaks into Chromium)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class Browser:
    """A headless Chromium kept open to print many pages; threads may share one (their pages
    print one at a time, through one tab). Chromium runs in its own process group (a terminal's Ctrl-C reaches
    only the CLI, which lets the reports in progress finish) with its profile in ``parent`` (the render's temporary
    folder). A page that does not print within ``deadline`` seconds fails; a browser that died
    or hung is started anew for the next page."""

    def __init__(self, parent: Path | str, deadline: float = PAGE_DEADLINE):
        self.parent, self.deadline = Path(parent), deadline
        self.pid = None
        self._lock = threading.Lock()
        self._start()

    def _start(self) -> None:
        """Spawn Chromium (``posix_spawn``: safe from any thread) wired to two pipes."""
        binary = chromium_binary()
        self.profile = tempfile.mkdtemp(prefix="chromium-", dir=self.parent)
        self._tmp = _temporary_folder(self.profile)
        commands_r, self._commands = (_high_fd(fd) for fd in os.pipe())
        self._results, results_w = (_high_fd(fd) for fd in os.pipe())
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_DUP2, commands_r, 3),  # the protocol reads fd 3, writes fd 4
            (os.POSIX_SPAWN_DUP2, results_w, 4),
        ]
        try:
            self.pid = os.posix_spawn(
                binary,
                [binary, *CHROMIUM_FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self.profile}"],
                # its temporary files (org.chromium.Chromium.XXXXXX) go into the profile, which the
                # render's work folder removes, or a short locked folder removed by close()
                {**os.environ, "TMPDIR": str(self._tmp.path) if self._tmp else self.profile},
                file_actions=actions,
                setpgroup=0,
            )
        except BaseException:  # no Chromium: its profile and temporary folder go
            self.close()
            raise
        finally:
            os.close(commands_r)
            os.close(results_w)
        self._buffer = b""
        self._next_id = 0
        self._session = None
        self.broken = False

    def alive(self) -> bool:
        """Whether Chromium is still running (an exited one is not reaped here: see close)."""
        return self.pid is not None and not _exited(self.pid)

    def _restart_if_needed(self) -> None:
        """Start Chromium anew if it died or a page hung it."""
        if self.broken or not self.alive():
            self.close()
            self._start()

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._commands, json.dumps(message).encode() + b"\0")
        except OSError as err:  # a dead browser: broken pipe
            self.broken = True
            raise PdfError(f"chromium is gone ({err.strerror}); it is restarted for the next report") from None
        return self._next_id

    def _messages(self, deadline: float):
        """Protocol messages as they arrive, until the monotonic clock passes ``deadline``."""
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                yield json.loads(raw)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._results], [], [], left)[0]:
                self.broken = True
                raise PdfError(
                    f"chromium did not answer within {self.deadline:g} s (hung); it is restarted for the next report"
                )
            chunk = os.read(self._results, 1 << 20)
            if not chunk:
                self.broken = True
                raise PdfError("chromium exited while printing; it is restarted for the next report")
            self._buffer += chunk

    def _call(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        until_event: str | None = None,
        on_event=None,
        deadline: float | None = None,
    ) -> dict:
        """Send a command and return its result, after ``until_event`` (an event of the same
        session) has also arrived when one is given; other messages go to ``on_event``. Waits
        until ``deadline`` (monotonic clock; default: the page deadline from now)."""
        deadline = deadline or time.monotonic() + self.deadline
        wanted = self._send(method, params, session)
        result, seen = None, until_event is None
        for message in self._messages(deadline):
            if on_event and "method" in message:
                on_event(message)
            if message.get("id") == wanted:
                if "error" in message:
                    raise PdfError(f"chromium {method} failed: {message['error'].get('message')}")
                result = message.get("result", {})
            elif message.get("method") == until_event and message.get("sessionId") == session:
                seen = True
            if result is not None and seen:
                return result

    def _navigate(self, html_path, session, **wait):
        """Load the page at ``html_path`` in the tab ``session`` and wait until it has loaded
        (``wait``: ``deadline`` and/or ``on_event``, as :meth:`_call` takes them)."""
        url = Path(html_path).resolve().as_uri()
        self._call("Page.navigate", {"url": url}, session, until_event="Page.loadEventFired", **wait)

    def print_pdf(self, html_path: Path, pdf_path: Path, footer: str | None = None) -> None:
        """Print ``html_path`` (A4 per the page's CSS, backgrounds on, scripts off, an outline of
        bookmarks from its headings) into ``pdf_path`` once the page's load event has fired (its
        images are inline, so nothing arrives later), within the page deadline. ``footer`` is an
        HTML template printed at the foot of every page (see Chromium's ``footerTemplate``:
        ``<span class="pageNumber">`` and ``<span class="totalPages">`` are filled in)."""
        options = {"printBackground": True, "preferCSSPageSize": True, "generateDocumentOutline": True}
        if footer:
            options |= {"displayHeaderFooter": True, "headerTemplate": "<span></span>", "footerTemplate": footer}
        with self._lock:
            self._restart_if_needed()
            deadline = time.monotonic() + self.deadline
            session = self._tab(deadline)
            self._load(html_path, session, deadline)
            data = self._call("Page.printToPDF", options, session, deadline=deadline)["data"]
        Path(pdf_path).write_bytes(stable_node_ids(base64.b64decode(data)))

    def _load(self, html_path, session: str, deadline: float) -> None:
        """Put the page at ``html_path`` into the printing tab's document and wait for its load
        event (``Page.setDocumentContent``: the document is opened, written and closed, as
        ``document.open``/``write``/``close`` do). A navigation to the file's URL cost every print a
        new document in a new frame (Chromium's browser and renderer), a file load and a frame for
        the screen: ≈ 2 CPU-s of ≈ 13 over a batch's 22 prints, for the same PDF bytes. The
        document's address stays ``about:blank``, so the page must not need relative addresses
        for what it prints: a report's images are inline and its relative links (the data files)
        are hidden in print."""
        html = Path(html_path).read_text(encoding="utf-8")
        params = {"frameId": self._frame, "html": html}
        self._call("Page.setDocumentContent", params, session, until_event="Page.loadEventFired", deadline=deadline)

    def _tab(self, deadline: float) -> str:
        """The session of this browser's printing tab (scripts off, print media, page events on),
        opened on first use and kept for every later page: a new tab per page costs about 0.05 s.
        Its pages load with the print stylesheet already (:data:`PRINT_MEDIA`): loaded for the
        screen, every page was styled and laid out for the screen, then styled again for print
        and back for the screen after it, which cost about a seventh of Chromium's CPU in a batch
        for the same PDF bytes. Pages go into its one document (:meth:`_load`), whose frame
        :attr:`_frame` names."""
        if self._session is None:
            target = self._call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
            session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True}, deadline=deadline)[
                "sessionId"
            ]
            self._call("Emulation.setScriptExecutionDisabled", {"value": True}, session, deadline=deadline)
            self._call("Emulation.setEmulatedMedia", PRINT_MEDIA, session, deadline=deadline)
            self._call("Page.enable", session=session, deadline=deadline)
            tree = self._call("Page.getFrameTree", session=session, deadline=deadline)["frameTree"]
            self._frame, self._session = tree["frame"]["id"], session
        return self._session

    def external_requests(self, html_path: Path) -> list[str]:
        """Addresses a page asks for while loading that are not inline or local (``data:``,
        ``file:``, ``about:``, ``blob:``): the test that a report opens offline."""
        found = []

        def record(message):
            if message.get("method") == "Network.requestWillBeSent":
                url = message["params"]["request"]["url"]
                if not url.startswith(("data:", "file:", "about:", "blob:")):
                    found.append(url)

        self._restart_if_needed()
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        try:
            session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            self._call("Network.enable", session=session)
            self._call("Page.enable", session=session)
            self._navigate(html_path, session, on_event=record)
        finally:
            self._call("Target.closeTarget", {"targetId": target})
        return found

    def close(self) -> None:
        """Stop Chromium (its whole process group) and remove its profile."""
        for fd in (self._commands, self._results):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.pid is not None:
            _stop_group(self.pid)
            self.pid = None
        shutil.rmtree(self.profile, ignore_errors=True)
        if getattr(self, "_tmp", None) is not None:
            self._tmp.close()
            self._tmp = None


class Printer:
    """One :class:`Browser` for the parts of a command that print (a batch's reports, then its
    comparisons): started on the first call of :meth:`browser`, never if none prints, and closed
    with its profile folder (``compute-parity-print.live-*`` in the temporary folder) by
    :meth:`close`. A second Chromium start costs about 1.5 CPU-s and a second of waiting."""

    PREFIX = "compute-parity-print."

    def __init__(self):
        self._browser, self._work = None, None
        self._lock = threading.Lock()

    def browser(self) -> Browser:
        """The shared browser, started now if it is not running yet."""
        with self._lock:
            if self._browser is None:
                self._work = self._work or Workspace(tempfile.gettempdir(), self.PREFIX)
                self._browser = Browser(self._work.path)
            return self._browser

    def close(self) -> None:
        """Stop the browser, if one started, and remove its folder."""
        with self._lock:
            browser, work, self._browser, self._work = self._browser, self._work, None, None
        try:
            if browser is not None:
                browser.close()
        finally:
            if work is not None:
                work.close()

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


#: An element id of a tagged PDF's structure tree, as Chromium writes it: ``(node00003142)``.
NODE_ID = re.compile(rb"\(node(\d+)\)")


def stable_node_ids(pdf: bytes) -> bytes:
    """``pdf`` with the ids of its structure elements renumbered 1, 2, … in their order, each at
    its old width. Chromium numbers them by the DOM nodes its renderer has made so far, so that the
    same page printed by a browser that printed others before (a batch's, the render service's)
    would differ from a fresh browser's print; renumbered, they are the same bytes. Order is kept
    (the tree's ID name tree is sorted) and so is every length (the cross-reference offsets)."""
    ids = sorted({int(n) for n in NODE_ID.findall(pdf)})
    rank = {n: i for i, n in enumerate(ids, start=1)}
    return NODE_ID.sub(lambda m: b"(node%0*d)" % (len(m.group(1)), rank[int(m.group(1))]), pdf)


def _temporary_folder(profile: str) -> Workspace | None:
    """None when Chromium's temporary files fit in ``profile`` (its socket path is short enough);
    else a locked folder ``compute-parity-chromium.live-*`` in the system's temporary folder (or
    ``/tmp`` if that path is long too), which :meth:`Browser.close` removes, and the next browser
    that needs one when a render was killed."""
    if len(profile) + SINGLETON_TAIL <= SOCKET_PATH_MAX:
        return None
    base = tempfile.gettempdir()
    if len(base) + len(TMP_PREFIX) + len("live-XXXXXXXX") + 1 + SINGLETON_TAIL > SOCKET_PATH_MAX:
        base = "/tmp"
    return Workspace(base, TMP_PREFIX)


def _exited(pid: int) -> bool:
    """Whether child ``pid`` has exited, without reaping it (its process group id stays ours)."""
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def _stop_group(pid: int) -> None:
    """Stop Chromium's process group: SIGTERM (and SIGCONT, so a stopped browser acts on it),
    SIGKILL after 5 s; then the group's remnants, then reap the leader."""
    os.killpg(pid, signal.SIGTERM)
    os.killpg(pid, signal.SIGCONT)
    end = time.monotonic() + 5
    while not _exited(pid) and time.monotonic() < end:
        time.sleep(0.05)
    os.killpg(pid, signal.SIGKILL)  # the leader is at least a zombie: the group id is still ours
    os.waitpid(pid, 0)
