"""Helpers shared by several test modules: hand-built plans and scenarios,
and the QtWebEngine page loader. Test modules import from here, never from
each other, so each one can be read, moved or split on its own."""
