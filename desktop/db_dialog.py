"""文件 > 从数据库打开 / 保存到数据库: the shared PostGIS store in the window.

:func:`install_db_actions` adds the two actions to a window's File menu and
works on its :class:`~desktop.document.PlanDocument`. The connection
(host, port, database, user, project) is kept in QSettings; the password is
never asked for nor stored: libpq takes it from ``PGPASSWORD`` or the
pgpass file. A save refused because someone changed the project since it
was opened says who and when, and offers to reload it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QLocale, QObject, QSettings, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.document import PlanDocument
from desktop.layouts import ok_cancel_buttons
from planning.store import Opened, PlanStore, StaleSaveError

SETTINGS_GROUP = "database"


def _t(zh: str, en: str) -> str:
    """Chinese unless the app runs in English (desktop.i18n sets the locale);
    kept here so this module needs no entries in the shared catalogue."""
    return en if QLocale().language() == QLocale.Language.English else zh


@dataclass
class Connection:
    """Where the store is; no password (libpq finds it)."""

    host: str = "localhost"
    port: int = 5432
    database: str = "planner"
    user: str = ""
    project: str = ""

    def url(self) -> str:
        user = f"{self.user}@" if self.user else ""
        return f"postgresql://{user}{self.host}:{self.port}/{self.database}"

    @classmethod
    def load(cls, settings: QSettings) -> Connection:
        settings.beginGroup(SETTINGS_GROUP)
        try:
            d = cls()
            return cls(
                host=str(settings.value("host", d.host)),
                port=int(settings.value("port", d.port)),
                database=str(settings.value("database", d.database)),
                user=str(settings.value("user", d.user)),
                project=str(settings.value("project", d.project)),
            )
        finally:
            settings.endGroup()

    def save(self, settings: QSettings) -> None:
        settings.beginGroup(SETTINGS_GROUP)
        for key in ("host", "port", "database", "user", "project"):
            settings.setValue(key, getattr(self, key))
        settings.endGroup()
        settings.sync()


class DbDialog(QDialog):
    """Connection and project name; 列出 lists the projects in the store."""

    def __init__(
        self, connection: Connection, saving: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(
            _t("保存到数据库", "Save to database")
            if saving
            else _t("从数据库打开", "Open from database")
        )
        self.host = QLineEdit(connection.host)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(connection.port)
        self.database = QLineEdit(connection.database)
        self.user = QLineEdit(connection.user)
        self.project = QComboBox()
        self.project.setEditable(True)
        self.project.setCurrentText(connection.project)
        self.list_button = QPushButton(_t("列出项目", "List projects"))
        self.list_button.clicked.connect(self.list_projects)
        self.status = QLabel(
            _t(
                "密码取自环境变量 PGPASSWORD 或 pgpass 文件，本程序不保存密码。",
                "The password comes from PGPASSWORD or the pgpass file; "
                "the app never stores it.",
            )
        )
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_t("主机", "Host"), self.host)
        form.addRow(_t("端口", "Port"), self.port)
        form.addRow(_t("数据库", "Database"), self.database)
        form.addRow(_t("用户", "User"), self.user)
        form.addRow(_t("项目", "Project"), self.project)
        form.addRow("", self.list_button)
        buttons = ok_cancel_buttons(self)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def connection(self) -> Connection:
        return Connection(
            host=self.host.text().strip(),
            port=self.port.value(),
            database=self.database.text().strip(),
            user=self.user.text().strip(),
            project=self.project.currentText().strip(),
        )

    def list_projects(self) -> None:
        store = PlanStore(self.connection().url())
        try:
            names = [p.name for p in store.projects()]
        except Exception as exc:  # connection refused, bad password, no db
            self.status.setText(_t("无法连接：", "Cannot connect: ") + str(exc))
            return
        finally:
            store.close()
        current = self.project.currentText()
        self.project.clear()
        self.project.addItems(names)
        self.project.setCurrentText(current or (names[0] if names else ""))
        self.status.setText(_t(f"{len(names)} 个项目", f"{len(names)} project(s)"))

    def accept(self) -> None:
        if not self.project.currentText().strip():
            self.status.setText(_t("请填写项目名称。", "Enter a project name."))
            return
        super().accept()


class DbActions(QObject):
    """The two File-menu actions and what the window opened from the store."""

    def __init__(
        self, window: QMainWindow, document: PlanDocument, settings: QSettings
    ) -> None:
        super().__init__(window)
        self.window, self.document, self.settings = window, document, settings
        self.opened: tuple[str, Opened] | None = None  # (url, what was opened)
        self.act_open = QAction(_t("从数据库打开…", "Open from database…"), window)
        self.act_save = QAction(_t("保存到数据库…", "Save to database…"), window)
        self.act_open.triggered.connect(self.open_from_db)
        self.act_save.triggered.connect(self.save_to_db)
        document.pathChanged.connect(self._forget_if_file)

    def _forget_if_file(self) -> None:
        if self.document.path is not None:  # opened or saved as a file
            self.opened = None

    def _ask(self, saving: bool) -> Connection | None:
        dialog = DbDialog(Connection.load(self.settings), saving, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        connection = dialog.connection()
        connection.save(self.settings)
        return connection

    def open_from_db(self) -> bool:
        connection = self._ask(saving=False)
        return connection is not None and self.load(
            connection.url(), connection.project
        )

    def load(self, url: str, name: str) -> bool:
        """Open project ``name`` from the store into the document."""
        store = PlanStore(url)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            _, plan, opened = store.load_plan(name)
        except Exception as exc:  # the store's message says what and where
            self._error(_t("无法打开", "Cannot open"), exc)
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
            store.close()
        if plan is None:
            self._error(
                _t("无法打开", "Cannot open"),
                _t(f"项目 {name} 还没有方案", f"project {name} holds no plan yet"),
            )
            return False
        self.document.set_plan(plan, None, saved=True)
        self.opened = (url, opened)
        self.window.statusBar().showMessage(
            _t(
                f"已从数据库打开 {name}（第 {opened.revision} 版）",
                f"Opened {name} revision {opened.revision} from the database",
            ),
            5000,
        )
        return True

    def save_to_db(self) -> bool:
        plan = self.document.plan
        if plan is None:
            return False
        if self.opened is not None:
            url, opened = self.opened
            name, replace = opened.name, False
        else:
            connection = self._ask(saving=True)
            if connection is None:
                return False
            url, name, opened, replace = (
                connection.url(),
                connection.project,
                None,
                False,
            )
        self.document.ensure_zones()
        store = PlanStore(url)
        try:
            if opened is None and name in {p.name for p in store.projects()}:
                answer = QMessageBox.question(
                    self.window,
                    _t("保存到数据库", "Save to database"),
                    _t(
                        f"数据库中已有项目 {name}。保存为它的新版本？（旧版本保留）",
                        f"{name} exists in the database. Save as its new revision? "
                        "(earlier revisions are kept)",
                    ),
                )
                if answer != QMessageBox.StandardButton.Yes:
                    return False
                replace = True
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:  # about a second for a county; one transaction
                saved = store.save_plan(
                    name, plan.scenario, plan, opened=opened, replace=replace
                )
            finally:
                QGuiApplication.restoreOverrideCursor()
        except StaleSaveError as exc:
            return self._stale(url, exc)
        except Exception as exc:  # network, permissions, a reserved column
            self._error(_t("无法保存", "Cannot save"), exc)
            return False
        finally:
            store.close()
        self.opened = (url, saved)
        self.document.mark_saved()
        self.window.statusBar().showMessage(
            _t(
                f"已保存到数据库：{name} 第 {saved.revision} 版",
                f"Saved {name} revision {saved.revision} to the database",
            ),
            5000,
        )
        return True

    def _stale(self, url: str, exc: StaleSaveError) -> bool:
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(_t("保存冲突", "Save conflict"))
        box.setText(str(exc))
        box.setInformativeText(
            _t(
                "重新打开会载入对方的修改，您未保存的修改将丢失（可先另存为文件）。",
                "Reload brings in their changes and drops your unsaved ones "
                "(save them as a file first if you need them).",
            )
        )
        reload = box.addButton(
            _t("重新打开", "Reload"), QMessageBox.ButtonRole.AcceptRole
        )
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is reload:
            self.load(url, exc.name)
        return False

    def _error(self, title: str, exc: object) -> None:
        QMessageBox.warning(self.window, title, str(exc))


def _file_menu(window: QMainWindow) -> QMenu:
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    if not menus:
        raise ValueError("the window has no menu to add the database actions to")
    return menus[0]


def install_db_actions(
    window: QMainWindow,
    document: PlanDocument | None = None,
    settings: QSettings | None = None,
    menu: QMenu | None = None,
) -> DbActions:
    """Add 从数据库打开 / 保存到数据库 to ``window``'s File menu (its first
    menu unless ``menu`` is given), after the menu's save actions."""
    document = document if document is not None else window.document
    settings = settings if settings is not None else getattr(window, "settings", None)
    actions = DbActions(window, document, settings or QSettings())
    menu = menu or _file_menu(window)
    separators = [a for a in menu.actions() if a.isSeparator()]
    # after the save group (the second separator) when the menu has one
    before = separators[1] if len(separators) > 1 else None
    menu.insertActions(before, [actions.act_open, actions.act_save])
    return actions
