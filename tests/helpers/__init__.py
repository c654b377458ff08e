"""Helpers shared by several test modules: hand-built plans and scenarios,
the QtWebEngine page loader and the main window as window tests open it.
Test modules import from here, never from each other, so each one can be
read, moved or split on its own."""
