"""PySide6 desktop UI: windows, docks, models, workers and dialogs.

PySide6 is pinned below 6.12: 6.12.0 on Python 3.11 drops a reference to
``None``/``True`` on every void call and signal emit and aborts the app
after minutes of use (see tests/test_desktop.py::test_qt_binding_keeps_refcounts).
"""
