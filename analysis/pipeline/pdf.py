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
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage")


class PdfError(RuntimeError):
    """Chromium is missing or failed to print; the message says which."""


def chromium_binary() -> str:
    """Path of the Chromium used to print PDFs (``CHROMIUM`` overrides)."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise PdfError("chromium is not installed; run `make setup` (it installs Debian's "
                       "chromium) or render with --to html")
    return found


def _high_fd(fd: int) -> int:
    """A close-on-exec copy of ``fd`` numbered 10 or above (so the child can move it to 3 or 4
    safely, and no other copy leaks into Chromium)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class Browser:
    """A headless Chromium kept open to print many pages. Start it from the main thread (it is
    spawned with a ``preexec_fn``); use each instance from one thread at a time."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="chromium-")
        commands_r, self._commands = (_high_fd(fd) for fd in os.pipe())
        self._results, results_w = (_high_fd(fd) for fd in os.pipe())

        def wire_pipes():  # in the child: the protocol reads fd 3 and writes fd 4
            os.dup2(commands_r, 3)
            os.dup2(results_w, 4)

        self.process = subprocess.Popen(
            [chromium_binary(), *CHROMIUM_FLAGS, "--remote-debugging-pipe",
             f"--user-data-dir={self.profile}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=wire_pipes)  # Python's own fds are close-on-exec
        os.close(commands_r)
        os.close(results_w)
        self._buffer = b""
        self._next_id = 0

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _messages(self):
        """Protocol messages as they arrive."""
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                yield json.loads(raw)
            chunk = os.read(self._results, 1 << 20)
            if not chunk:
                raise PdfError("chromium exited while printing")
            self._buffer += chunk

    def _call(self, method: str, params: dict | None = None, session: str | None = None,
              until_event: str | None = None, on_event=None) -> dict:
        """Send a command and return its result, after ``until_event`` (an event of the same
        session) has also arrived when one is given; other messages go to ``on_event``."""
        wanted = self._send(method, params, session)
        result, seen = None, until_event is None
        for message in self._messages():
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

    def print_pdf(self, html_path: Path, pdf_path: Path) -> None:
        """Print ``html_path`` (A4 per the page's CSS, backgrounds on) into ``pdf_path`` once the
        page's load event has fired (its images are inline, so nothing arrives later)."""
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        try:
            session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            self._call("Page.enable", session=session)
            self._call("Page.navigate", {"url": Path(html_path).resolve().as_uri()}, session,
                       until_event="Page.loadEventFired")
            data = self._call("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True},
                              session)["data"]
        finally:
            self._call("Target.closeTarget", {"targetId": target})
        Path(pdf_path).write_bytes(base64.b64decode(data))

    def external_requests(self, html_path: Path) -> list[str]:
        """Addresses a page asks for while loading that are not inline or local (``data:``,
        ``file:``, ``about:``, ``blob:``): the test that a report opens offline."""
        found = []

        def record(message):
            if message.get("method") == "Network.requestWillBeSent":
                url = message["params"]["request"]["url"]
                if not url.startswith(("data:", "file:", "about:", "blob:")):
                    found.append(url)

        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        try:
            session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            self._call("Network.enable", session=session)
            self._call("Page.enable", session=session)
            self._call("Page.navigate", {"url": Path(html_path).resolve().as_uri()}, session,
                       until_event="Page.loadEventFired", on_event=record)
        finally:
            self._call("Target.closeTarget", {"targetId": target})
        return found

    def close(self) -> None:
        """Stop Chromium and remove its temporary profile."""
        for fd in (self._commands, self._results):
            try:
                os.close(fd)
            except OSError:
                pass
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)
