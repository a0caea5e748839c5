"""Headless Chromium for the map tests: Debian's /usr/bin/chromium driven by playwright, offline.

:func:`open_map` aborts every request that is not ``file:``, ``data:`` or ``blob:`` (a download
made in the page): the page must need nothing else. It collects JavaScript errors, console
errors and dialogs in ``page.problems`` and the aborted URLs in ``page.outside``.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def open_map(browser, path: Path, *, width: int = 1400, height: int = 900):
    """Open an HTML map offline; the page carries ``problems`` (list of str) and ``outside`` (URLs)."""
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    page.problems = []
    page.outside = []
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on("console", lambda message: page.problems.append(f"console: {message.text}")
            if message.type == "error" and "Failed to load resource" not in message.text else None)

    def dialog(d):
        page.problems.append(f"dialog: {d.message}")
        d.dismiss()

    page.on("dialog", dialog)

    def route(route):
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            page.outside.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_selector(".leaflet-control-layers")
    page.wait_for_function("!document.querySelector('.leaflet-zoom-anim')")
    return page
