"""Road matrices kept in the project GeoPackage, so reopening does not search.

The table ``road_cache`` is a GeoPackage *attributes* table (registered in
``gpkg_contents``, so QGIS and GDAL list it like any table) written with
:mod:`sqlite3` directly: storing a matrix is one ``INSERT`` in one
transaction, where going through GDAL would rewrite the whole project.
Each row holds a compressed ``.npz`` of minutes, metres and unreachable
codes (read without pickle), or of the reach layer's areas (WKB), under a
key that digests the road layer, the points and what was measured; rows of
another road digest are deleted with the insert, so an edited road layer
leaves no stale matrices.

The cache is a convenience, never a condition: a missing, read-only,
locked or foreign file makes :meth:`ProjectMatrixCache.get` miss and
:meth:`ProjectMatrixCache.put` do nothing (``error`` says why), and the
plan goes on with the matrices in memory.
"""

from __future__ import annotations

import io
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np

__all__ = ["ROAD_CACHE", "ProjectMatrixCache", "copy_road_cache"]

ROAD_CACHE = "road_cache"
BUSY_TIMEOUT_S = 5.0  # another writer (the app, a second CLI run) holds the file
_CREATE = f"""
CREATE TABLE IF NOT EXISTS {ROAD_CACHE} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    digest TEXT NOT NULL,
    rows INTEGER NOT NULL,
    cols INTEGER NOT NULL,
    data BLOB NOT NULL
)"""
_REGISTER = """
INSERT OR IGNORE INTO gpkg_contents
    (table_name, data_type, identifier, description, last_change)
VALUES (?, 'attributes', ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"""
_DESCRIPTION = (
    "road matrices (minutes, metres) and reach areas keyed by a digest of "
    "the road layer"
)


def _pack(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def _has_current_table(con: sqlite3.Connection, schema: str = "main") -> bool | None:
    """True: the table is this layout; False: an older layout; None: absent."""
    info = con.execute(f"PRAGMA {schema}.table_info({ROAD_CACHE})")
    cols = {row[1]: row[2] for row in info}
    if not cols:
        return None
    return cols.get("data", "").upper() == "BLOB" and "digest" in cols


def _drop(con: sqlite3.Connection) -> None:
    """Remove the table and its registration (an older text layout)."""
    con.execute(f"DROP TABLE IF EXISTS {ROAD_CACHE}")
    for meta in ("gpkg_contents", "gpkg_ogr_contents"):
        exists = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (meta,)
        ).fetchone()
        if exists:
            con.execute(f"DELETE FROM {meta} WHERE table_name = ?", (ROAD_CACHE,))


def _ensure_table(con: sqlite3.Connection) -> None:
    state = _has_current_table(con)
    if state is False:
        _drop(con)
    if state is not True:
        con.execute(_CREATE)
        con.execute(_REGISTER, (ROAD_CACHE, ROAD_CACHE, _DESCRIPTION))


class ProjectMatrixCache:
    """Road matrices stored in the project's ``road_cache`` table.

    Parameters
    ----------
    path
        The project GeoPackage. It is never created: a missing file means
        no cache.
    digest
        :func:`~planning.roads.travel.road_digest` of the road layer; rows
        of other digests are dropped on the next :meth:`put`.
    timeout
        Seconds to wait for another writer before giving up on a write.
    """

    def __init__(self, path: str | Path, digest: str, timeout: float = BUSY_TIMEOUT_S):
        self.path = Path(path)
        self.digest = digest
        self.timeout = timeout
        self.error: str | None = None  # why the last read or write failed

    def _connect(self, readonly: bool) -> sqlite3.Connection | None:
        if not self.path.is_file():
            self.error = f"{self.path}: no such project file"
            return None
        mode = "?mode=ro" if readonly else ""
        return sqlite3.connect(
            self.path.resolve().as_uri() + mode,
            uri=True,
            timeout=self.timeout,
            isolation_level=None,
        )

    def get(self, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """``(minutes, metres, code)`` stored under ``key``, or ``None``."""
        arrays = self.get_arrays(key)
        if arrays is None or not {"minutes", "metres", "code"} <= arrays.keys():
            return None
        return arrays["minutes"], arrays["metres"], arrays["code"]

    def put(
        self, key: str, minutes: np.ndarray, metres: np.ndarray, code: np.ndarray
    ) -> None:
        """Store one matrix in one transaction; rows of other digests go."""
        self.put_arrays(key, minutes=minutes, metres=metres, code=code)

    def get_arrays(self, key: str) -> dict[str, np.ndarray] | None:
        """The named arrays stored under ``key``, or ``None``."""
        try:
            con = self._connect(readonly=True)
            if con is None:
                return None
            with closing(con):
                if not _has_current_table(con):
                    return None
                row = con.execute(
                    f"SELECT data FROM {ROAD_CACHE} WHERE key = ? AND digest = ?",
                    (key, self.digest),
                ).fetchone()
            if row is None:
                return None
            with np.load(io.BytesIO(row[0]), allow_pickle=False) as z:
                return {name: z[name] for name in z.files}
        except (sqlite3.Error, OSError, ValueError, KeyError) as exc:
            self.error = f"{self.path}: road matrices not read ({exc})"
            return None

    def put_arrays(self, key: str, **arrays: np.ndarray) -> None:
        """Store named arrays (the first gives the row's shape) in one
        transaction; rows of other digests go."""
        data = _pack(**arrays)
        shape = (*np.shape(next(iter(arrays.values()))), 1)[:2]
        try:
            con = self._connect(readonly=False)
            if con is None:
                return
            with closing(con):
                con.execute("BEGIN IMMEDIATE")
                try:
                    _ensure_table(con)
                    con.execute(
                        f"DELETE FROM {ROAD_CACHE} WHERE digest <> ?", (self.digest,)
                    )
                    con.execute(
                        f"INSERT OR REPLACE INTO {ROAD_CACHE} "
                        "(key, digest, rows, cols, data) VALUES (?, ?, ?, ?, ?)",
                        (key, self.digest, *shape, sqlite3.Binary(data)),
                    )
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
        except (sqlite3.Error, OSError) as exc:
            self.error = f"{self.path}: road matrices not stored ({exc})"


def copy_road_cache(source: str | Path, target: str | Path) -> None:
    """Carry the ``road_cache`` rows of ``source`` into the GeoPackage
    ``target`` (a save writes a new file; the matrices stay valid while the
    road layer does). Does nothing when ``source`` has none or is unreadable."""
    source, target = Path(source), Path(target)
    if not source.is_file() or source.resolve() == target.resolve():
        return
    uri = source.resolve().as_uri() + "?mode=ro"
    try:
        with closing(
            sqlite3.connect(target.resolve().as_uri(), uri=True, isolation_level=None)
        ) as con:
            con.execute("ATTACH DATABASE ? AS src", (uri,))
            try:
                if not _has_current_table(con, "src"):
                    return
                con.execute("BEGIN IMMEDIATE")
                _ensure_table(con)
                con.execute(
                    f"INSERT OR REPLACE INTO main.{ROAD_CACHE} "
                    "(key, digest, rows, cols, data) "
                    f"SELECT key, digest, rows, cols, data FROM src.{ROAD_CACHE}"
                )
                con.execute("COMMIT")
            finally:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                con.execute("DETACH DATABASE src")
    except (sqlite3.Error, OSError):
        return  # the matrices are only a cache: the save itself stands
