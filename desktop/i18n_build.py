"""Refresh the translation catalogue and compile it: ``python -m desktop.i18n_build``.

``pyside6-lupdate`` collects every ``tr()`` / ``translate()`` string of the
desktop package into ``resources/i18n/planner_zh_CN.ts`` (keeping the
translations already there; new strings appear as unfinished, to fill in
with Qt Linguist: ``pyside6-linguist resources/i18n/planner_zh_CN.ts``),
then ``pyside6-lrelease`` writes the ``.qm`` the app loads. Commit both.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from desktop.i18n import I18N_DIR

DESKTOP = Path(__file__).resolve().parent
CATALOGUES = ("planner_zh_CN",)


def _tool(name: str) -> str:
    """The PySide6 tool next to this interpreter (the venv), else on PATH."""
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found; install PySide6 in this environment")
    return found


def build(update: bool = True) -> list[Path]:
    """Update (optionally) and compile every catalogue; return the .qm paths."""
    sources = sorted(str(p) for p in DESKTOP.glob("*.py"))
    out = []
    for name in CATALOGUES:
        ts = I18N_DIR / f"{name}.ts"
        qm = I18N_DIR / f"{name}.qm"
        if update:
            subprocess.run(
                [_tool("pyside6-lupdate"), "-no-obsolete", *sources, "-ts", str(ts)],
                check=True,
            )
        subprocess.run([_tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], check=True)
        out.append(qm)
    return out


if __name__ == "__main__":
    build(update="--no-update" not in sys.argv[1:])
