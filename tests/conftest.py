"""Shared fixtures: where the public benchmark instances and shared data live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The ``shared`` folder next to the checkout (or ``$JURISDICTION_SHARED``)."""
    return Path(os.environ.get("JURISDICTION_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared() -> Path:
    """Path to ``../shared``; tests that need it skip cleanly when it is absent."""
    path = shared_dir()
    if not path.is_dir():
        pytest.skip(f"{path} is absent (public benchmark instances not available)")
    return path


@pytest.fixture(scope="module")
def monkeypatch_module():
    """A monkeypatch that hypothesis tests may use (undone at the end of the module)."""
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by playwright, offline (see tests/support/browser.py); skips without either."""
    from tests.support.browser import ARGS, CHROMIUM

    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (Debian package chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()
