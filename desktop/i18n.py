"""UI language: Chinese by default, English = the source strings.

Source strings in the code are English; ``resources/i18n/planner_zh_CN.qm``
(built by ``python -m desktop.i18n_build``) translates them. Switching
installs or removes the translators; Qt then sends ``LanguageChange`` to
every widget, and the windows re-translate themselves live.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

I18N_DIR = Path(__file__).resolve().parent.parent / "resources" / "i18n"
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"

_installed: list[QTranslator] = []


def normalise(lang: str | None) -> str:
    """Map ``zh``, ``zh-CN``, ``en_US`` … onto a supported language."""
    text = (lang or DEFAULT_LANGUAGE).replace("-", "_").lower()
    return "en" if text.startswith("en") else "zh_CN"


def install_language(lang: str) -> str:
    """Make ``lang`` the UI language of the running app; returns it normalised.

    Raises ``FileNotFoundError`` when the Chinese catalogue was not built,
    rather than silently showing English to a Chinese user.
    """
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("install_language needs a QApplication")
    lang = normalise(lang)
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if lang == "en":
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.China))
        return lang
    ours = QTranslator(app)
    qm = I18N_DIR / f"planner_{lang}.qm"
    if not ours.load(str(qm)):
        raise FileNotFoundError(f"{qm} is missing; run python -m desktop.i18n_build")
    # Qt's own strings (dialog buttons, context menus) when the wheel has them
    qt = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for translator in (ours, qt if qt.load(f"qt_{lang}", qt_dir) else None):
        if translator is not None:
            app.installTranslator(translator)
            _installed.append(translator)
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    return lang
