"""Test-wide set-up: Qt offscreen, QtWebEngine without sandbox or GPU."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault(
    "QTWEBENGINE_CHROMIUM_FLAGS",
    "--no-sandbox --disable-gpu --disable-background-networking",
)
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ARTEFACTS_ENV = "PATROL_PLANNER_ARTEFACTS"


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """Folder for the screenshots of the window's main states that the desktop
    tests save, to look at after a run: ``$PATROL_PLANNER_ARTEFACTS`` or
    ``artifacts/test-screenshots`` in the checkout (git-ignored)."""
    default = Path(__file__).resolve().parent.parent / "artifacts" / "test-screenshots"
    folder = Path(os.environ.get(ARTEFACTS_ENV) or default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def sample():
    """The bundled sample scenario (built once per test session)."""
    from planning.sample import build_sample

    return build_sample()
