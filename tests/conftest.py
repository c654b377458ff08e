"""Test-wide set-up: Qt offscreen, QtWebEngine without sandbox or GPU, and
the expensive things several modules share, built once per session: the
sample county, two small planned counties and the PostgreSQL server.

The shared plans are read-only: a test that edits one works on
``plan.copy()``.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault(
    "QTWEBENGINE_CHROMIUM_FLAGS",
    "--no-sandbox --disable-gpu --disable-background-networking",
)
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests import pgfixture  # noqa: E402

ARTEFACTS_ENV = "PATROL_PLANNER_ARTEFACTS"

# one throwaway server for every store and database-dialog test module
pg_cluster = pgfixture.pg_cluster
pg_url = pgfixture.pg_url


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


@pytest.fixture(scope="session")
def window_plan():
    """The 300-firm county the window tests open (tests/helpers/plans.py)."""
    from tests.helpers.plans import window_plan

    return window_plan()


@pytest.fixture(scope="session")
def store_plan():
    """The 60-firm county the database tests save (tests/helpers/plans.py)."""
    from tests.helpers.plans import store_plan

    return store_plan()
