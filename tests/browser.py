"""Debian's Chromium for tests: found on the PATH, launched headless and offline through Playwright.

Playwright drives the distribution's browser (`executable_path`); `playwright install` is never
needed. A machine without Chromium fails the test with the command that installs it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Request, sync_playwright

INSTALL_HINT = (
    "Debian's chromium is missing: run `./dev test` (it installs it) or "
    "`apt-get install --no-install-recommends chromium`"
)
# Root needs --no-sandbox; the rest keep Chromium from calling Google's hosts on a closed network.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
LAUNCH_TIMEOUT_MS = 30_000
LOCAL_SCHEMES = ("file:", "data:")


def chromium_path() -> str:
    """The Chromium executable on the PATH; fails the test (never skips) when there is none."""
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return found


@contextmanager
def launched_chromium() -> Iterator[Browser]:
    """A headless Chromium with the offline flags; it and Playwright's driver are closed on exit."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=list(CHROMIUM_ARGS),
            headless=True,
            timeout=LAUNCH_TIMEOUT_MS,
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageEvents:
    """What a page did while a test watched it: requests, console errors, script errors, dialogs."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def outside_requests(self) -> list[str]:
        """Requests for anything but the page's own file and its embedded data: URIs."""
        return [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]


def watch(page: Page) -> PageEvents:
    """Record the page's events from now on; a dialog is recorded and dismissed so nothing hangs."""
    events = PageEvents()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            events.console_errors.append(message.text)

    def on_dialog(dialog: Dialog) -> None:
        events.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_request(request: Request) -> None:
        events.requests.append(request.url)

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda error: events.page_errors.append(str(error)))
    page.on("dialog", on_dialog)
    return events


def image_facts(path: Path) -> tuple[int, int, int]:
    """Width, height and number of distinct colours (capped at 257) of an image file."""
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=256)
        return rgb.width, rgb.height, 257 if colours is None else len(colours)
