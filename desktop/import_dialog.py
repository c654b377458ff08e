"""File > 导入图层: choose file, layer, kind and coordinates; preview; import.

The dialog only collects the choices and shows results: the import itself
runs in the main window's worker (:meth:`MainWindow.start_import`), which
calls back :meth:`ImportDialog.show_failure` with the importer's findings
(file / row / column) or closes the dialog on success. A preview of the
first rows is read directly (a few rows, quick) so the planner can check
the columns before importing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyogrio
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QWidget,
)

from desktop.layouts import column, row, splitter
from desktop.models import TableModel
from planning.io.errors import ERROR, INFO, REPAIRED, WARNING, Issue
from planning.io.readers import SUPPORTED_SUFFIXES, TABLE_SUFFIXES, list_layers

KIND_ORDER = (
    "cells",
    "zones",
    "squads",
    "enterprises",
    "hotspots",
    "roads",
    "barriers",
)
ROAD_KINDS = ("roads", "barriers")
"""Kinds that go to :mod:`planning.roads.importer` (checked, noded, reported)."""
IMPORT_SUFFIXES = (*SUPPORTED_SUFFIXES, ".pbf")
"""What the dialog imports: every layer format, and OpenStreetMap ``.osm.pbf``
extracts for roads."""
COORDS = ("auto", "wgs84", "cgcs2000", "gcj02", "bd09")
DROP_SUFFIXES = (
    ".gpkg",
    ".geojson",
    ".json",
    ".zip",
    ".shp",
    ".csv",
    ".xlsx",
    ".pbf",
)
"""What may be dropped on the window to import."""
PREVIEW_ROWS = 8
LEVEL_COLOURS = {
    ERROR: "#b00020",
    WARNING: "#8a5a00",
    REPAIRED: "#1b5e20",
    INFO: "#555555",
}


def preview_rows(path: Path, layer: str | None, n: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The first ``n`` rows of a file, as text, without any checking."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        data = path.read_bytes()[: 64 * 1024]
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            text = data.decode("utf-8", errors="replace")
        try:
            sep = csv.Sniffer().sniff(text, delimiters=",;\t|").delimiter
        except csv.Error:
            sep = ","
        lines = "\n".join(text.splitlines()[: n + 1])
        return pd.read_csv(io.StringIO(lines), sep=sep, dtype=str, nrows=n)
    if suffix in TABLE_SUFFIXES:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book[layer] if layer and layer in book.sheetnames else book.active
            rows = [
                list(r)
                for _, r in zip(
                    range(n + 1), sheet.iter_rows(values_only=True), strict=False
                )
            ]
        finally:
            book.close()
        if not rows:
            return pd.DataFrame()
        header = [
            str(h) if h is not None else f"#{i + 1}" for i, h in enumerate(rows[0])
        ]
        return pd.DataFrame(rows[1:], columns=header).astype(str)
    frame = pyogrio.read_dataframe(path, layer=layer or None, max_features=n)
    out = pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).astype(str)
    if "geometry" in frame:
        out["geometry"] = frame.geometry.geom_type.astype(str)
    return out


class ImportDialog(QDialog):
    """Collects file, layer, kind and coordinate system; shows the findings.

    Signals
    -------
    importRequested(str, str, str, str)
        file, layer ("" = the file's only one), kind, coords.
    """

    importRequested = Signal(str, str, str, str)

    def __init__(self, parent: QWidget | None = None, path: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Import layer"))
        self.setMinimumSize(760, 560)
        self.file_edit = QLineEdit()
        self.browse_button = QPushButton(self.tr("Browse…"))
        self.browse_button.clicked.connect(self._browse)
        self.layer_combo = QComboBox()
        self.kind_combo = QComboBox()
        kinds = {
            "cells": self.tr("Grid cells (网格)"),
            "zones": self.tr("Towns / 片区 boundaries"),
            "squads": self.tr("Squads (中队驻地)"),
            "enterprises": self.tr("Enterprises (企业名录)"),
            "hotspots": self.tr("Hotspot events (热点事件)"),
            "roads": self.tr("Roads (道路)"),
            "barriers": self.tr("Barriers (障碍: rivers, expressways, railways)"),
        }
        for kind in KIND_ORDER:
            self.kind_combo.addItem(kinds[kind], kind)
        self.coords_combo = QComboBox()
        self.coords_combo.setEditable(True)
        labels = {
            "auto": self.tr("Automatic (from the file)"),
            "wgs84": "WGS84 (EPSG:4326)",
            "cgcs2000": "CGCS2000 (EPSG:4490)",
            "gcj02": self.tr("GCJ-02 (高德 / 腾讯)"),
            "bd09": self.tr("BD-09 (百度)"),
        }
        for key in COORDS:
            self.coords_combo.addItem(labels[key], key)
        self.coords_combo.lineEdit().setPlaceholderText(self.tr("or EPSG:4549"))
        self.preview_model = TableModel(self)
        self.preview = QTableView()
        self.preview.setModel(self.preview_model)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Interactive
        )
        self.preview_label = QLabel()
        self.issues = QListWidget()
        self.issues.setWordWrap(True)
        self.issues_label = QLabel(self.tr("Findings"))
        self.status = QLabel()
        self.status.setWordWrap(True)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton(
            self.tr("Import"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self._request)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.tr("File"), row((self.file_edit, 1), self.browse_button))
        form.addRow(self.tr("Layer"), self.layer_combo)
        form.addRow(self.tr("Import as"), self.kind_combo)
        form.addRow(self.tr("Coordinates"), self.coords_combo)
        split = splitter(
            column(self.preview_label, self.preview),
            column(self.issues_label, self.issues),
        )
        column(form, (split, 1), self.status, self.buttons, margin=None, on=self)

        self.file_edit.editingFinished.connect(self._file_changed)
        self.layer_combo.currentIndexChanged.connect(self._show_preview)
        if path is not None:
            self.set_file(path)
        else:
            self._update_buttons()

    # ------------------------------------------------------------- choices

    def set_file(self, path: Path | str) -> None:
        """Choose ``path``: list its layers, guess the kind, show a preview."""
        self.file_edit.setText(str(path))
        self._file_changed()

    def set_kind(self, kind: str) -> None:
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(kind)))

    def set_coords(self, coords: str) -> None:
        index = self.coords_combo.findData(coords)
        if index >= 0:
            self.coords_combo.setCurrentIndex(index)
        else:
            self.coords_combo.setEditText(coords)

    def path(self) -> Path:
        return Path(self.file_edit.text().strip())

    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def layer(self) -> str:
        return str(self.layer_combo.currentData() or "")

    def coords(self) -> str:
        text = self.coords_combo.currentText().strip()
        index = self.coords_combo.findText(text)
        if index >= 0:
            return str(self.coords_combo.itemData(index))
        return text or "auto"

    def _browse(self) -> None:
        patterns = " ".join(f"*{s}" for s in IMPORT_SUFFIXES)
        name, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Import layer"),
            str(self.path().parent) if self.file_edit.text() else str(Path.home()),
            self.tr("Layers and tables ({0})").format(patterns),
        )
        if name:
            self.set_file(name)

    def _file_changed(self) -> None:
        path = self.path()
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.issues.clear()
        self.status.clear()
        if path.is_file():
            try:
                layers = list_layers(path)
            except Exception as exc:  # shown, never raised: the user picks again
                layers = []
                self.status.setText(self.tr("Cannot list layers: {0}").format(exc))
            for name in layers:
                self.layer_combo.addItem(name, name)
            guess = _guess_kind(path.stem, layers)
            if guess:
                self.set_kind(guess)
        self.layer_combo.setEnabled(self.layer_combo.count() > 1)
        self.layer_combo.blockSignals(False)
        self._show_preview()

    def _show_preview(self) -> None:
        path = self.path()
        self.preview_model.set_frame(pd.DataFrame())
        self.preview_label.setText(self.tr("Preview"))
        if path.is_file():
            try:
                frame = preview_rows(path, self.layer() or None)
            except Exception as exc:  # the import will report it properly
                self.preview_label.setText(
                    self.tr("Preview not available: {0}").format(exc)
                )
            else:
                self.preview_model.set_frame(frame)
                self.preview_label.setText(
                    self.tr("Preview: first %n row(s)", "", len(frame))
                )
                self.preview.resizeColumnsToContents()
        self._update_buttons()

    def _update_buttons(self, busy: bool = False) -> None:
        ok = self.path().is_file() and self.path().suffix.lower() in IMPORT_SUFFIXES
        self.import_button.setEnabled(ok and not busy)

    # ------------------------------------------------------------ outcome

    def _request(self) -> None:
        self.issues.clear()
        self.status.setText(self.tr("Importing…"))
        self._update_buttons(busy=True)
        self.importRequested.emit(
            str(self.path()), self.layer(), self.kind(), self.coords()
        )

    def show_failure(self, issues: Sequence[Issue], lang: str) -> None:
        """List the importer's findings; errors first. The project is unchanged."""
        self._update_buttons()
        self.status.setText(
            self.tr(
                "Nothing was imported; the project is unchanged. "
                "Fix the file and try again."
            )
        )
        self.status.setStyleSheet("QLabel { color: #b00020; }")
        self.show_issues(issues, lang)

    def show_issues(self, issues: Sequence[Issue], lang: str) -> None:
        self.issues.clear()
        order = {ERROR: 0, WARNING: 1, REPAIRED: 2, INFO: 3}
        for issue in sorted(issues, key=lambda i: order.get(i.level, 4)):
            item = QListWidgetItem(issue.text(lang))
            item.setForeground(QBrush(QColor(LEVEL_COLOURS.get(issue.level, "#000"))))
            item.setData(Qt.ItemDataRole.UserRole, issue.level)
            self.issues.addItem(item)

    def show_error(self, message: str) -> None:
        """A failure that is not a finding about the file (a bug, a crash)."""
        self._update_buttons()
        self.status.setText(message)
        self.status.setStyleSheet("QLabel { color: #b00020; }")

    def messages(self) -> list[str]:
        """Texts of the listed findings (tests, copy to clipboard)."""
        return [self.issues.item(i).text() for i in range(self.issues.count())]


def _guess_kind(stem: str, layers: Sequence[str]) -> str | None:
    """A kind named in the file or layer name (网格 / cells, 企业 …)."""
    words = {
        "barriers": ("barrier", "障碍", "river", "河流", "水系", "railway", "铁路"),
        "roads": ("road", "道路", "路网", "osm", "street"),
        "cells": ("cell", "grid", "网格"),
        "zones": ("town", "zone", "乡镇", "片区", "街道"),
        "squads": ("squad", "中队"),
        "enterprises": ("enterprise", "firm", "企业", "名录", "主体"),
        "hotspots": ("hotspot", "event", "热点", "事件", "投诉"),
    }
    text = " ".join([stem, *layers[:1]]).lower()
    for kind, keys in words.items():
        if any(k in text for k in keys):
            return kind
    return None
