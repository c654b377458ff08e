"""Basemap menu (底图): none, OpenStreetMap, 天地图 (with the user's key), 高德.

``install_basemap_menu(menu, map_view)`` adds a "Basemap" submenu to a menu
(the main window's View menu): one exclusive, checkable action per basemap
and "天地图 key…" to enter or change the key. The choice and the key are
kept in QSettings (``map/basemap``, ``map/tianditu_key``) and put back at
the next start. Nothing is loaded from the network unless the planner picks
an online basemap: the default is ``none``.

Choosing 天地图 without a key asks for it first; cancelling keeps the
basemap shown before. 高德 tiles are in GCJ-02, so the map draws every
overlay shifted for display (``maps.render``); the plan itself never moves.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QSettings, Qt, Slot
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QMessageBox, QWidget

from desktop.map_view import MapView
from desktop.texts import translated
from maps.render import BASEMAPS, basemap_spec

SETTINGS_BASEMAP = "map/basemap"
SETTINGS_TIANDITU_KEY = "map/tianditu_key"
DEFAULT_BASEMAP = "none"

BASEMAP_LABELS = {
    "none": QT_TRANSLATE_NOOP("BasemapMenu", "None (offline)"),
    "osm": QT_TRANSLATE_NOOP("BasemapMenu", "OpenStreetMap"),
    "tianditu": QT_TRANSLATE_NOOP("BasemapMenu", "Tianditu (needs a key)"),
    "amap": QT_TRANSLATE_NOOP("BasemapMenu", "AMap (GCJ-02)"),
}
"""The menu text of each basemap (translated when the menu is)."""


class BasemapMenu(QMenu):
    """Submenu that picks the map's basemap and keeps the choice in settings."""

    def __init__(
        self,
        map_view: MapView,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("basemap_menu")
        self.map_view = map_view
        self.settings = settings if settings is not None else QSettings()
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self.actions_by_name: dict[str, QAction] = {}
        for name in BASEMAPS:
            act = QAction(self)
            act.setCheckable(True)
            act.setData(name)
            act.triggered.connect(lambda _on=False, n=name: self.choose(n))
            self.group.addAction(act)
            self.addAction(act)
            self.actions_by_name[name] = act
        self.addSeparator()
        self.key_action = QAction(self)
        self.key_action.triggered.connect(self.edit_key)
        self.addAction(self.key_action)
        map_view.basemapChanged.connect(self._show_current)
        self.retranslate()
        self.restore()

    # ---------------------------------------------------------------- state

    def tianditu_key(self) -> str:
        """The stored 天地图 key ('' when none was entered)."""
        return str(self.settings.value(SETTINGS_TIANDITU_KEY, "") or "").strip()

    def restore(self) -> None:
        """Apply the basemap kept in settings (``none`` when unset or unusable)."""
        name = str(self.settings.value(SETTINGS_BASEMAP, DEFAULT_BASEMAP) or "")
        try:
            self.map_view.set_basemap(name, self.tianditu_key() or None)
        except ValueError:  # unknown name, or 天地图 whose key was removed
            self.map_view.set_basemap(DEFAULT_BASEMAP)
        self._show_current()

    @Slot()
    def _show_current(self, *_: object) -> None:
        act = self.actions_by_name.get(self.map_view.basemap)
        if act is not None:
            act.setChecked(True)

    # -------------------------------------------------------------- actions

    def ask_key(self) -> str | None:
        """Ask for the 天地图 key; None when cancelled."""
        text, ok = QInputDialog.getText(
            self.parentWidget() or self.map_view,
            self.tr("Tianditu key"),
            self.tr(
                "Key (tk) from console.tianditu.gov.cn (application type: browser):"
            ),
            QLineEdit.EchoMode.Normal,
            self.tianditu_key(),
        )
        return text.strip() if ok else None

    def choose(self, name: str) -> bool:
        """Switch the map to ``name``; True when it is now shown."""
        key = self.tianditu_key() or None
        if name == "tianditu" and not key:
            key = self.ask_key()
            if not key or not self._store_key(key):
                self._show_current()  # cancelled: keep the old choice checked
                return False
        try:
            self.map_view.set_basemap(name, key)
        except ValueError as exc:
            self._show_current()
            self._warn(str(exc))
            return False
        self.settings.setValue(SETTINGS_BASEMAP, name)
        self._show_current()
        return True

    def edit_key(self) -> bool:
        """Enter or change the 天地图 key; re-draws if 天地图 is shown."""
        key = self.ask_key()
        if key is None:
            return False
        if not key:
            self.settings.remove(SETTINGS_TIANDITU_KEY)
            if self.map_view.basemap == "tianditu":
                self.choose(DEFAULT_BASEMAP)
            return True
        if not self._store_key(key):
            return False
        if self.map_view.basemap == "tianditu":
            self.map_view.set_basemap("tianditu", key)
        return True

    def _store_key(self, key: str) -> bool:
        try:
            basemap_spec("tianditu", key)
        except ValueError:
            self._warn(
                self.tr(
                    "A Tianditu key is 8 to 128 letters, digits, '-' or '_'; "
                    "please check it."
                )
            )
            return False
        self.settings.setValue(SETTINGS_TIANDITU_KEY, key)
        return True

    def _warn(self, text: str) -> None:
        # not exec(): a modal loop would stall the map and the tests
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Basemap"),
            text,
            QMessageBox.StandardButton.Ok,
            self.parentWidget() or self.map_view,
        )
        box.setObjectName("basemap_warning")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # ---------------------------------------------------------- translation

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setTitle(self.tr("&Basemap"))
        for name, act in self.actions_by_name.items():
            act.setText(translated("BasemapMenu", BASEMAP_LABELS, name))
        self.actions_by_name["none"].setToolTip(
            self.tr("Plain background; nothing is loaded from the network.")
        )
        self.actions_by_name["amap"].setToolTip(
            self.tr(
                "AMap tiles are in GCJ-02: the overlays are shifted for display "
                "only; the plan's coordinates do not change."
            )
        )
        self.key_action.setText(self.tr("Tianditu &key…"))


def install_basemap_menu(
    menu: QMenu, map_view: MapView, settings: QSettings | None = None
) -> BasemapMenu:
    """Add the Basemap submenu to ``menu`` and apply the stored choice.

    ``settings`` defaults to ``QSettings()``; the main window passes its own.
    Returns the submenu (``menu.findChild(QMenu, "basemap_menu")`` finds it
    too).
    """
    sub = BasemapMenu(map_view, settings, menu)
    menu.addMenu(sub)
    return sub
