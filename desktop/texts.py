"""A widget's ``retranslate`` as tables of its texts.

Written out as ``setText``/``setToolTip`` calls, a retranslate hid which
widget says what behind the calls; as rows of (widget, text) it reads like
the catalogue it is. The strings stay ``self.tr("…")`` literals where the
rows are written, so ``pyside6-lupdate`` still files them under the
widget's class.

Names the UI shows for keys (layers, basemaps, pipeline stages) are tables
too: key → source text, marked with ``QT_TRANSLATE_NOOP(context, …)`` so
``pyside6-lupdate`` files them under ``context``, and :func:`translated`
turns one into the UI language when it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QLabel, QMenu, QWidget

Labelled = QAction | QAbstractButton | QLabel | QMenu


def set_texts(*rows: tuple[Labelled, str]) -> None:
    """Give each widget its text (a menu its title)."""
    for widget, text in rows:
        if isinstance(widget, QMenu):
            widget.setTitle(text)
        else:
            widget.setText(text)


def set_tooltips(*rows: tuple[QAction | QWidget, str]) -> None:
    """Give each action or widget its tooltip."""
    for widget, tooltip in rows:
        widget.setToolTip(tooltip)


def translated(context: str, sources: Mapping[str, str], key: str) -> str:
    """The text shown for ``key``: its source text in ``sources``, translated
    in ``context`` (the class whose catalogue holds it, as ``self.tr`` files
    it); a key the table lacks shows as itself."""
    source = sources.get(key)
    return key if source is None else QCoreApplication.translate(context, source)
