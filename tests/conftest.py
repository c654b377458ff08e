"""Test-wide set-up: Qt offscreen, QtWebEngine without sandbox or GPU."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault(
    "QTWEBENGINE_CHROMIUM_FLAGS",
    "--no-sandbox --disable-gpu --disable-background-networking",
)
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def sample():
    """The bundled sample scenario (built once per test session)."""
    from planning.sample import build_sample

    return build_sample()
