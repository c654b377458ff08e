"""Small builders for the layouts every panel and dialog repeats.

A dock stacks labels over tables in plain widgets, puts those in a
splitter, and a dialog ends in a Close or OK/Cancel button box; writing
each of these out line by line hid what a panel holds behind how it is
laid out. An item is a widget or a layout, or ``(item, stretch)`` for one
that takes the spare room.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLayout,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

Item = QWidget | QLayout | tuple[QWidget | QLayout, int]


def _split(item: Item) -> tuple[QWidget | QLayout, int]:
    return item if isinstance(item, tuple) else (item, 0)


def _fill(layout: QBoxLayout, items: tuple[Item, ...]) -> None:
    for item in items:
        part, stretch = _split(item)
        if isinstance(part, QLayout):
            layout.addLayout(part, stretch)
        else:
            layout.addWidget(part, stretch)


def column(*items: Item, margin: int | None = 0, on: QWidget | None = None) -> QWidget:
    """``on`` (a new plain widget by default) with ``items`` top to bottom,
    ``margin`` pixels in (None: the style's dialog margins)."""
    widget = QWidget() if on is None else on
    layout = QVBoxLayout(widget)
    if margin is not None:
        layout.setContentsMargins(margin, margin, margin, margin)
    _fill(layout, items)
    return widget


def row(*items: Item) -> QHBoxLayout:
    """``items`` side by side, e.g. a label and the control it names."""
    layout = QHBoxLayout()
    _fill(layout, items)
    return layout


def splitter(
    *items: Item, orientation: Qt.Orientation = Qt.Orientation.Vertical
) -> QSplitter:
    """``items`` (widgets) in a splitter; a stretch shares out the spare room."""
    split = QSplitter(orientation)
    for i, item in enumerate(items):
        widget, stretch = _split(item)
        split.addWidget(widget)
        if isinstance(item, tuple):
            split.setStretchFactor(i, stretch)
    return split


def close_buttons(dialog: QDialog) -> QDialogButtonBox:
    """A Close button that rejects ``dialog``."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    return buttons


def ok_cancel_buttons(dialog: QDialog) -> QDialogButtonBox:
    """OK and Cancel buttons that accept or reject ``dialog``."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
