"""Layers in, field exports out: the import dialog and the export runs.

Both run in the window's :class:`~desktop.workers.TaskRunner`. An import
replaces one layer of the plan as one undoable step (all or nothing; the
importer's findings go to the dialog); an export writes the field bundle of
a snapshot of the plan, so edits made meanwhile never half-appear in it.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from desktop.dialogs import ExportDialog
from desktop.import_dialog import ROAD_KINDS, ImportDialog
from maps.export.bundle import export_plan
from planning.io.errors import LayerImportError
from planning.io.importer import ImportReport, import_layer_with_report
from planning.io.project import read_optional_layer, save_project
from planning.model import Scenario
from planning.plan import Plan, plan_with_scenario
from planning.progress import CancelToken, ProgressEvent, ProgressFn

if TYPE_CHECKING:
    from desktop.main_window import MainWindow


class LayerTransfer(QObject):
    """Import and export for ``window`` (dialogs and background runs)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def open_import_dialog(self, path: Path | str | None = None) -> ImportDialog | None:
        """File > 导入图层: the import dialog (window-modal, not blocking)."""
        window = self.window
        if window.document.plan is None:
            window.show_error(self.tr("Open or create a project before importing."))
            return None
        if window.import_dialog is not None:
            window.import_dialog.close()
        dialog = ImportDialog(window, Path(path) if path else None)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.importRequested.connect(self.start_import)
        dialog.destroyed.connect(lambda: setattr(window, "import_dialog", None))
        window.import_dialog = dialog
        dialog.open()
        return dialog

    @Slot(str, str, str, str)
    def start_import(self, file: str, layer: str, kind: str, coords: str) -> bool:
        """Import ``file`` as ``kind`` in the background; all or nothing.

        Success replaces the layer as one undoable step; the importer's
        findings go to the dialog, and a failed import changes nothing.
        """
        window = self.window
        plan = window.document.plan
        dialog = window.import_dialog
        if plan is None:
            return False
        scenario = plan.scenario.copy()
        lang = window.language

        def job(progress: ProgressFn, cancel: CancelToken) -> object:
            if kind in ROAD_KINDS:
                return import_road_layer(
                    plan, scenario, file, kind, layer, coords, lang, progress
                )
            try:
                new, report = import_layer_with_report(
                    scenario,
                    file,
                    kind,
                    layer=layer or None,
                    coords=coords,
                    lang=lang,
                    progress=progress,
                    cancel=cancel,
                )
            except LayerImportError as exc:
                return exc
            progress(ProgressEvent("workload", 0.9))
            return plan_with_scenario(plan, new), report

        def done(result: object) -> None:
            if isinstance(result, LayerImportError):
                window.last_error = "\n".join(result.problems)
                if dialog is not None:
                    dialog.show_failure(result.issues, lang)
                return
            new_plan, report = result  # type: ignore[misc]
            window.document.push_plan(
                new_plan,
                self.tr("import {0} ({1} rows)").format(Path(file).name, report.rows),
                schedule_valid=kind == "hotspots",
            )
            if kind in ROAD_KINDS:
                window.message(
                    self.tr(
                        "Imported {0}: {1} {2} ({3} warnings). Run planning again "
                        "to zone and route on them."
                    ).format(
                        Path(file).name,
                        report.rows,
                        self.tr("roads") if kind == "roads" else self.tr("barriers"),
                        len(report.warnings),
                    )
                )
            else:
                window.message(
                    self.tr(
                        "Imported {0}: {1} rows replace {2} ({3} warnings)."
                    ).format(
                        Path(file).name,
                        report.rows,
                        report.replaced,
                        len(report.warnings),
                    )
                )
            if dialog is not None:
                dialog.show_issues(report.issues, lang)
                dialog.accept()

        def failed(message: str, _details: str) -> None:
            if dialog is not None:
                dialog.show_error(message)

        started = window.start_run(
            self.tr("Importing {0}").format(Path(file).name), job, done
        )
        if started and dialog is not None:
            window.runner.failed.connect(failed, Qt.ConnectionType.SingleShotConnection)
            window.runner.cancelled.connect(
                lambda: dialog.show_error(self.tr("Import cancelled.")),
                Qt.ConnectionType.SingleShotConnection,
            )
        elif dialog is not None:
            dialog.show_error(self.tr("Another run is still going."))
        return started

    def export_dialog(self) -> bool:
        """File > 导出: ask folder and scope, then :meth:`export_to`."""
        window = self.window
        if window.document.plan is None:
            return False
        folder = str(window.settings.value("export/folder", "")) or str(
            Path(window.files.last_dir()) / "export"
        )
        dialog = ExportDialog(
            window.squad_names(), folder, window.schedule.squad_filter_id(), window
        )
        if dialog.exec() != ExportDialog.DialogCode.Accepted or not dialog.folder():
            return False
        return self.export_to(Path(dialog.folder()), dialog.squad_id())

    def export_to(self, folder: Path, squad_id: str | None = None) -> bool:
        """Write the field exports (all squads, or one) in the background."""
        window = self.window
        if window.document.plan is None:
            return False
        window.document.ensure_zones()
        plan = window.document.plan
        snapshot = dataclasses.replace(
            plan,
            scenario=plan.scenario.copy(),
            zones=plan.zones.copy(),
            visits=plan.visits.copy(),
        )
        window.settings.setValue("export/folder", str(folder))

        def job(progress: ProgressFn, cancel: CancelToken) -> dict[str, list[Path]]:
            return export_plan(snapshot, folder, progress, squad_id, cancel)

        def done(written: dict[str, list[Path]]) -> None:
            window.last_export = written
            n = sum(len(v) for v in written.values())
            box = QMessageBox(
                QMessageBox.Icon.Information,
                self.tr("Export finished"),
                self.tr("%n file(s) written to {0}.", "", n).format(folder),
                QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Close,
            )
            box.setParent(window, box.windowFlags())
            box.setInformativeText(self.tr("Open the folder?"))
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.setWindowModality(Qt.WindowModality.WindowModal)

            def answered(button: int) -> None:
                if button == QMessageBox.StandardButton.Open:
                    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

            box.finished.connect(answered)
            box.destroyed.connect(lambda: setattr(window, "export_box", None))
            window.export_box = box
            box.open()

        title = (
            self.tr("Exporting {0}").format(squad_id)
            if squad_id
            else self.tr("Exporting all squads")
        )
        return window.start_run(title, job, done)


def import_road_layer(
    plan: Plan,
    scenario: Scenario,
    file: str,
    kind: str,
    layer: str,
    coords: str,
    lang: str,
    progress: ProgressFn,
) -> tuple[Plan, ImportReport] | LayerImportError:
    """道路 / 障碍 into the open plan, as ``main.py import --as roads`` does.

    The road importer checks, nodes and reports on a project file, so the
    scenario is written to a scratch project, imported there and the stored
    layer taken back: the same checks and messages as the CLI, and the open
    project's file untouched until the planner saves. With roads the plan
    gets its reach areas and standby points.
    """
    from planning.plan import with_road_layers
    from planning.roads.importer import import_roads_into_project  # scipy, graphs

    with tempfile.TemporaryDirectory(prefix="planner-roads-") as tmp:
        scratch = Path(tmp) / "project.gpkg"
        progress(ProgressEvent("loading", 0.05))
        save_project(scratch, scenario, None)
        progress(ProgressEvent("loading", 0.3))
        try:
            report = import_roads_into_project(
                scratch, file, kind, layer=layer or None, coords=coords, lang=lang
            )
        except LayerImportError as exc:
            return exc
        stored = read_optional_layer(scratch, kind)
    new = scenario.copy()
    setattr(new, kind, stored)
    progress(ProgressEvent("workload", 0.7))
    return with_road_layers(plan_with_scenario(plan, new)), report
