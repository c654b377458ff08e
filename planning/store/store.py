"""The bureau's shared plan store on PostgreSQL + PostGIS.

A :class:`PlanStore` saves and loads whole projects (the layers of
``docs/plan-schema.md``) in one transaction each, keeps every saved
revision, refuses a save based on a project someone changed since it was
opened (:class:`StaleSaveError`, naming who and when), and serialises the
regeneration of one county with a PostgreSQL advisory lock. Bulk rows go
through psycopg ``COPY``; tables are declared with SQLAlchemy + GeoAlchemy2.
"""

from __future__ import annotations

import getpass
import json
import re
import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from psycopg import sql

from planning.store.schema import (
    BOOKKEEPING,
    GEOM,
    LAYER_KEYS,
    REGISTRY,
    REGISTRY_DDL,
    geometry_type,
    layer_tables,
    sa_type,
    trigger_ddl,
)
from planning.store.styles import layer_qml, symbol_family

if TYPE_CHECKING:
    import psycopg

    from planning.model import Scenario
    from planning.plan import Plan

Layers = dict[str, pd.DataFrame]


class StoreError(RuntimeError):
    """The store refused or could not do something; the message says why."""


class UnknownProjectError(StoreError):
    """No project of that name (or no such revision) in the store."""


class ProjectExistsError(StoreError):
    """Saving a new project under a name that is taken, without ``replace``."""


class StaleSaveError(StoreError):
    """Someone changed the project since it was opened; nothing was saved.

    ``changed_by`` / ``changed_at`` say who and when; reload the project
    (:meth:`PlanStore.load_plan`) and redo the change on top of theirs.
    """

    def __init__(
        self,
        name: str,
        changed_by: str,
        changed_at: datetime | None,
        revision: int,
        opened_revision: int,
    ) -> None:
        self.name, self.changed_by, self.changed_at = name, changed_by, changed_at
        self.revision, self.opened_revision = revision, opened_revision
        when = changed_at.strftime("%Y-%m-%d %H:%M:%S") if changed_at else "?"
        super().__init__(
            f"项目 {name} 已被 {changed_by} 于 {when} 修改，未保存；请重新打开后再改 / "
            f"{name} was changed by {changed_by} at {when} since you opened "
            f"revision {opened_revision} (now revision {revision}); nothing was "
            "saved: reload it and redo your change"
        )


@dataclass(frozen=True)
class Opened:
    """What a planner opened; a save compares it with the store's state.

    ``revision`` is the saved revision the layers came from; ``version`` the
    project's change counter, which every write to its tables bumps (by
    anyone, also outside the app), so a save knows whether it is stale.
    """

    name: str
    revision: int
    version: int


@dataclass(frozen=True)
class ProjectInfo:
    name: str
    revision: int
    changed_by: str | None
    changed_at: datetime | None
    layers: dict[str, int]


@dataclass(frozen=True)
class RevisionInfo:
    revision: int
    based_on: int | None
    saved_by: str
    saved_at: datetime
    message: str
    layers: dict[str, int]


def sqlalchemy_url(url: str) -> str:
    """``postgresql://…`` as SQLAlchemy's psycopg (3) dialect wants it.

    No password goes in the URL: libpq reads ``PGPASSWORD`` or the pgpass
    file itself.
    """
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)


def default_user() -> str:
    """Who a change is attributed to: login name at host."""
    try:
        login = getpass.getuser()
    except OSError:
        login = "unknown"
    return f"{login}@{socket.gethostname()}"


class PlanStore:
    """Projects in a PostGIS database; one schema per project.

    Parameters
    ----------
    url
        ``postgresql://user@host:port/db`` (password from the environment).
    user
        Name recorded on rows and revisions this store writes; QGIS edits
        are recorded under the database role.
    """

    def __init__(self, url: str, user: str | None = None) -> None:
        self.url = url
        self.user = user or default_user()
        self.engine = sa.create_engine(sqlalchemy_url(url), pool_pre_ping=True)
        self._ready = False

    def close(self) -> None:
        self.engine.dispose()

    # -- set-up ---------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create the registry, triggers and ``layer_styles`` when missing."""
        if self._ready:
            return
        with self.engine.begin() as conn:
            cur = _cursor(conn)
            # CREATE … IF NOT EXISTS races with itself; one creator at a time
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('planstore.ddl'))")
            cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            cur.execute(REGISTRY_DDL)
        self._ready = True

    # -- reading --------------------------------------------------------------

    def projects(self) -> list[ProjectInfo]:
        """Every project with its latest revision and last change."""
        self.ensure_schema()
        with self.engine.connect() as conn:
            rows = (
                _cursor(conn)
                .execute(
                    f"""SELECT p.name, p.revision, p.changed_by, p.changed_at, r.layers
                      FROM {REGISTRY}.projects p
                      LEFT JOIN {REGISTRY}.revisions r
                        ON r.project_id = p.project_id AND r.revision = p.revision
                     ORDER BY p.name"""
                )
                .fetchall()
            )
        return [ProjectInfo(n, r, b, a, dict(ly or {})) for n, r, b, a, ly in rows]

    def revisions(self, name: str) -> list[RevisionInfo]:
        """The saved revisions of ``name``, oldest first."""
        self.ensure_schema()
        with self.engine.connect() as conn:
            cur = _cursor(conn)
            project_id = self._project(cur, name)[0]
            rows = cur.execute(
                f"""SELECT revision, based_on, saved_by, saved_at, message, layers
                      FROM {REGISTRY}.revisions WHERE project_id = %s
                     ORDER BY revision""",
                [project_id],
            ).fetchall()
        return [RevisionInfo(*r[:5], dict(r[5])) for r in rows]

    def load_layers(
        self, name: str, revision: int | None = None
    ) -> tuple[Layers, Opened]:
        """The layers of the latest (or a given) revision and what was opened.

        The latest revision reads the live tables, so edits made in QGIS
        since that save are included; the returned :class:`Opened` is the
        basis a later :meth:`save_layers` is checked against.
        """
        self.ensure_schema()
        with self.engine.begin() as conn:
            cur = _cursor(conn)
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            project_id, schema, latest, version = self._project(cur, name)[:4]
            wanted = latest if revision is None else revision
            row = cur.execute(
                f"SELECT layers FROM {REGISTRY}.revisions "
                "WHERE project_id = %s AND revision = %s",
                [project_id, wanted],
            ).fetchone()
            if row is None:
                raise UnknownProjectError(
                    f"project {name!r} has no revision {wanted} (latest {latest})"
                )
            columns = _columns(cur, schema)
            layers = {
                layer: _read_layer(
                    cur,
                    schema,
                    layer,
                    columns[layer],
                    None if revision is None else revision,
                )
                for layer in row[0]
            }
        return layers, Opened(name, latest, version)

    def load_plan(
        self, name: str, revision: int | None = None
    ) -> tuple[Scenario, Plan | None, Opened]:
        """Scenario and plan of a project, as :func:`load_project` gives them."""
        from planning.io.project import project_from_layers

        layers, opened = self.load_layers(name, revision)
        source = f"{_safe_url(self.url)} project {name}"
        scenario, plan = project_from_layers(layers, source)
        return scenario, plan, opened

    # -- writing --------------------------------------------------------------

    def save_plan(
        self,
        name: str,
        scenario: Scenario,
        plan: Plan | None = None,
        *,
        opened: Opened | None = None,
        replace: bool = False,
        message: str = "",
    ) -> Opened:
        """Save a scenario (and plan) as the project's next revision."""
        from planning.io.project import project_layers

        return self.save_layers(
            name,
            project_layers(scenario, plan),
            opened=opened,
            replace=replace,
            message=message,
        )

    def save_layers(
        self,
        name: str,
        layers: Mapping[str, pd.DataFrame],
        *,
        opened: Opened | None = None,
        replace: bool = False,
        message: str = "",
    ) -> Opened:
        """Save ``layers`` as the next revision of ``name``, in one transaction.

        ``opened`` is what the caller loaded: when the project changed since
        (another save, or any edit in QGIS), :class:`StaleSaveError` is
        raised and nothing is written. Without ``opened`` an existing
        project is only overwritten with ``replace=True`` (the earlier
        revisions stay restorable). A save killed half-way rolls back whole.
        """
        self.ensure_schema()
        with self.engine.begin() as conn:
            cur = _cursor(conn)
            cur.execute("SELECT set_config('planstore.user', %s, true)", [self.user])
            cur.execute(
                "SELECT pg_advisory_xact_lock(hashtext('planstore.save'), "
                "hashtext(%s))",
                [name],
            )
            row = cur.execute(
                f"""SELECT project_id, schema_name, revision, version, changed_by,
                           changed_at
                      FROM {REGISTRY}.projects WHERE name = %s FOR UPDATE""",
                [name],
            ).fetchone()
            if row is None:
                if opened is not None:
                    raise UnknownProjectError(
                        f"project {name!r} was deleted since you opened it"
                    )
                project_id, schema, revision = self._create_project(cur, name), "", 0
                schema = f"project_{project_id}"
            else:
                project_id, schema, revision, version, by, at = row
                if opened is None and not replace:
                    raise ProjectExistsError(
                        f"project {name!r} exists (revision {revision}, changed by "
                        f"{by} at {at:%Y-%m-%d %H:%M}); save with replace to add "
                        "a revision over it"
                    )
                if opened is not None and opened.version != version:
                    raise StaleSaveError(name, by, at, revision, opened.revision)
            target = _Target(
                conn, cur, schema, _columns(cur, schema), _geometry_types(cur, schema)
            )
            counts: dict[str, int] = {}
            for layer, df in layers.items():
                counts[layer] = len(df)
                _write_layer(target, layer, df)
            for gone in sorted(set(target.existing) - set(layers)):
                cur.execute(
                    sql.SQL("DELETE FROM {}").format(sql.Identifier(schema, gone))
                )
            new_revision = revision + 1
            columns = _columns(cur, schema)
            for layer in layers:
                _snapshot(cur, schema, layer, columns[layer], new_revision)
            cur.execute(
                f"""INSERT INTO {REGISTRY}.revisions
                        (project_id, revision, based_on, saved_by, message, layers)
                    VALUES (%s, %s, %s, %s, %s, %s)""",
                [
                    project_id,
                    new_revision,
                    opened.revision if opened is not None else revision or None,
                    self.user,
                    message,
                    json.dumps(counts),
                ],
            )
            version = cur.execute(
                f"""UPDATE {REGISTRY}.projects SET revision = %s
                     WHERE project_id = %s RETURNING version""",
                [new_revision, project_id],
            ).fetchone()[0]
            _write_styles(cur, schema, layers, _geometry_types(cur, schema))
        return Opened(name, new_revision, version)

    def restore(self, name: str, revision: int) -> Opened:
        """Make an earlier revision the latest again (as a new revision)."""
        layers, _ = self.load_layers(name, revision)
        return self.save_layers(
            name, layers, replace=True, message=f"restored revision {revision}"
        )

    # -- regeneration ---------------------------------------------------------

    @contextmanager
    def regeneration_lock(self, name: str) -> Iterator[None]:
        """Hold the county's advisory lock: one regeneration at a time.

        A session-level lock on its own connection, so planning may take
        minutes without an open transaction; released on exit or when the
        connection dies.
        """
        self.ensure_schema()
        key = "SELECT {}(hashtext('planstore.regenerate'), hashtext(%s))"
        with self.engine.connect() as conn:
            cur = _cursor(conn)
            cur.execute(key.format("pg_advisory_lock"), [name])
            conn.commit()
            try:
                yield
            finally:
                cur.execute(key.format("pg_advisory_unlock"), [name])
                conn.commit()

    def regenerate(
        self, name: str, plan_fn: Callable[[Scenario], Plan], message: str = ""
    ) -> tuple[Plan, Opened]:
        """Re-plan a county from its stored scenario and save the result,
        serialised with every other regeneration of the same county."""
        with self.regeneration_lock(name):
            scenario, _, opened = self.load_plan(name)
            plan = plan_fn(scenario)
            saved = self.save_plan(
                name,
                plan.scenario,
                plan,
                opened=opened,
                message=message or "regenerated",
            )
        return plan, saved

    # -- helpers --------------------------------------------------------------

    def _project(self, cur: psycopg.Cursor, name: str) -> tuple:
        row = cur.execute(
            f"""SELECT project_id, schema_name, revision, version
                  FROM {REGISTRY}.projects WHERE name = %s""",
            [name],
        ).fetchone()
        if row is None:
            raise UnknownProjectError(
                f"no project {name!r} in {_safe_url(self.url)}; "
                "see `python main.py db list`"
            )
        return row

    @staticmethod
    def _create_project(cur: psycopg.Cursor, name: str) -> int:
        project_id = cur.execute(
            f"""INSERT INTO {REGISTRY}.projects (name, schema_name)
                VALUES (%s, 'new:' || %s) RETURNING project_id""",
            [name, name],
        ).fetchone()[0]
        schema = f"project_{project_id}"
        cur.execute(
            f"UPDATE {REGISTRY}.projects SET schema_name = %s WHERE project_id = %s",
            [schema, project_id],
        )
        cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        cur.execute(
            sql.SQL("COMMENT ON SCHEMA {} IS {}").format(
                sql.Identifier(schema), sql.Literal(f"planstore project {name}")
            )
        )
        return project_id


def _cursor(conn: sa.Connection) -> psycopg.Cursor:
    """A psycopg cursor in the SQLAlchemy connection's transaction."""
    return conn.connection.driver_connection.cursor()


def _safe_url(url: str) -> str:
    return re.sub(r"://([^:@/]+):[^@/]*@", r"://\1:***@", url)


def _columns(cur: psycopg.Cursor, schema: str) -> dict[str, dict[str, str]]:
    """Layer tables of a schema: {table: {column: type}} in column order
    (from pg_catalog: information_schema is slow to query per layer)."""
    rows = cur.execute(
        """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
             FROM pg_attribute a
             JOIN pg_class c ON c.oid = a.attrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind = 'r' AND a.attnum > 0
              AND NOT a.attisdropped
            ORDER BY c.relname, a.attnum""",
        [schema],
    ).fetchall()
    out: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        if not table.endswith("_history"):
            out.setdefault(table, {})[column] = kind
    return out


def _geometry_types(cur: psycopg.Cursor, schema: str) -> dict[str, str]:
    rows = cur.execute(
        "SELECT f_table_name, type FROM geometry_columns WHERE f_table_schema = %s",
        [schema],
    ).fetchall()
    return {
        table: _PG_TYPES.get(kind.upper(), "Geometry")
        for table, kind in rows
        if not table.endswith("_history")
    }


_PG_TYPES = {
    k.upper(): k
    for k in (
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "Geometry",
    )
}


def _data_columns(df: pd.DataFrame, layer: str) -> list[str]:
    geom = _geometry_name(df)
    cols = [c for c in df.columns if c != geom]
    clash = [c for c in cols if c in BOOKKEEPING or c == GEOM]
    if clash:
        raise StoreError(
            f"layer {layer}: column(s) {', '.join(map(str, clash))} are reserved "
            "by the store; rename them before saving"
        )
    return [str(c) for c in cols]


def _geometry_name(df: pd.DataFrame) -> str | None:
    if isinstance(df, gpd.GeoDataFrame):
        name = df._geometry_column_name
        if name in df.columns:
            return name
    return None


@dataclass(frozen=True)
class _Target:
    """The schema one save writes to, and what it knows of the schema's tables:
    ``existing`` maps each table to its columns, ``geom_types`` each spatial
    table to its geometry type; both follow the tables it creates or widens."""

    conn: sa.Connection
    cur: psycopg.Cursor
    schema: str
    existing: dict[str, dict[str, str]]
    geom_types: dict[str, str]


def _ensure_table(
    target: _Target, layer: str, df: pd.DataFrame
) -> tuple[list[str], str | None]:
    """Create or widen the layer's tables; returns its data columns and
    geometry type (``None`` for a table without geometry)."""
    conn, cur, schema = target.conn, target.cur, target.schema
    existing, geom_types = target.existing, target.geom_types
    cols = _data_columns(df, layer)
    geom = _geometry_name(df)
    wanted_geom = geometry_type(df.geometry.values) if geom is not None else None
    if layer not in existing:
        md = sa.MetaData()
        types = {c: sa_type(df[c]) for c in cols}
        tables = layer_tables(md, schema, layer, types, wanted_geom)
        md.create_all(conn, tables=list(tables))
        for statement in trigger_ddl(schema, layer):
            cur.execute(statement)
        existing[layer] = {c: "" for c in ("id", "ord", *cols)}
        if wanted_geom is not None:
            existing[layer][GEOM] = "geometry"
            geom_types[layer] = wanted_geom
        return cols, wanted_geom
    have = existing[layer]
    for table in (layer, f"{layer}_history"):
        ident = sql.Identifier(schema, table)
        for c in cols:
            if c not in have:
                ddl = sa_type(df[c]).compile(dialect=conn.dialect)
                cur.execute(
                    sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                        ident, sql.Identifier(c), sql.SQL(ddl)
                    )
                )
        if wanted_geom is not None and GEOM not in have:
            cur.execute(
                sql.SQL("ALTER TABLE {} ADD COLUMN geom geometry({}, 4326)").format(
                    ident, sql.SQL(wanted_geom)
                )
            )
    stored_geom = geom_types.get(layer, wanted_geom)
    if wanted_geom is not None and stored_geom not in (
        wanted_geom,
        "Multi" + wanted_geom,
        "Geometry",
    ):
        # a layer whose geometry kind changed keeps one generic column
        for table in (layer, f"{layer}_history"):
            cur.execute(
                sql.SQL(
                    "ALTER TABLE {} ALTER COLUMN geom TYPE geometry(Geometry, 4326)"
                ).format(sql.Identifier(schema, table))
            )
        stored_geom = geom_types[layer] = "Geometry"
    for c in cols:
        have.setdefault(c, "")
    data = [c for c in have if c not in BOOKKEEPING and c != GEOM]
    return data, (stored_geom if GEOM in have or wanted_geom else None)


def _python_values(series: pd.Series | None, n: int) -> list:
    """Column values psycopg can COPY: native Python types, None for missing."""
    if series is None:
        return [None] * n
    if pd.api.types.is_bool_dtype(series.dtype):
        series = series.astype("Int64")
    values = series.astype(object).where(series.notna(), None)
    return [v.item() if isinstance(v, np.generic) else v for v in values.tolist()]


def _as_column_type(values: list, kind: str, layer: str, column: str) -> list:
    """Values fitted to the stored column: whole floats into integer columns
    (a GeoPackage round trip turns ints with gaps into floats), anything into
    text as text."""
    if kind in ("bigint", "integer"):
        out = []
        for v in values:
            if isinstance(v, float):
                if not v.is_integer():
                    raise StoreError(
                        f"layer {layer}, column {column}: {v} in an integer column"
                    )
                v = int(v)
            out.append(v)
        return out
    if kind == "text":
        return [v if v is None or isinstance(v, str) else str(v) for v in values]
    return values


def _write_layer(target: _Target, layer: str, df: pd.DataFrame) -> None:
    """Make the layer's table equal to ``df``: delete, update and insert only
    the rows that differ, so untouched rows keep their row_version."""
    if isinstance(df, gpd.GeoDataFrame) and _geometry_name(df) is not None:
        if df.crs is not None and df.crs.to_epsg() != 4326:
            df = df.to_crs(4326)
    data_cols, geom_type = _ensure_table(target, layer, df)
    cur, schema = target.cur, target.schema
    table = sql.Identifier(schema, layer)
    kinds = _columns(cur, schema).get(layer, {})
    n = len(df)
    columns = {"ord": list(range(1, n + 1))}
    for c in data_cols:
        values = _python_values(df[c] if c in df.columns else None, n)
        columns[c] = _as_column_type(values, kinds.get(c, "text"), layer, c)
    copy_cols = ["ord", *data_cols]
    geom_name = _geometry_name(df)
    if geom_type is not None:
        if geom_name is not None:
            geoms = shapely.set_srid(np.asarray(df.geometry.values, dtype=object), 4326)
            hexes = shapely.to_wkb(geoms, hex=True, include_srid=True)
            columns[GEOM] = [None if g is None else g for g in hexes.tolist()]
        else:
            columns[GEOM] = [None] * n
        copy_cols.append(GEOM)
    cur.execute("DROP TABLE IF EXISTS pg_temp.incoming")
    cur.execute(
        sql.SQL(
            "CREATE TEMP TABLE incoming ON COMMIT DROP AS "
            "SELECT {} FROM {} WITH NO DATA"
        ).format(sql.SQL(", ").join(map(sql.Identifier, copy_cols)), table)
    )
    if geom_type is not None:
        cur.execute("ALTER TABLE pg_temp.incoming ALTER COLUMN geom TYPE geometry")
    copy = sql.SQL("COPY pg_temp.incoming ({}) FROM STDIN").format(
        sql.SQL(", ").join(map(sql.Identifier, copy_cols))
    )
    with cur.copy(copy) as out:
        for row in zip(*(columns[c] for c in copy_cols), strict=True):
            out.write_row(row)
    key = _key(layer, df)
    match = sql.SQL(" AND ").join(
        sql.SQL("n.{k} = t.{k}").format(k=sql.Identifier(k)) for k in key
    )
    targets = sql.SQL(", ").join(map(sql.Identifier, copy_cols))

    def source(c: str) -> sql.Composable:
        if c == GEOM and geom_type.startswith("Multi"):
            return sql.SQL("ST_Multi(n.geom)")
        return sql.SQL("n.{}").format(sql.Identifier(c))

    sources = sql.SQL(", ").join(source(c) for c in copy_cols)
    current = sql.SQL(", ").join(
        sql.SQL("t.{}").format(sql.Identifier(c)) for c in copy_cols
    )
    cur.execute(
        sql.SQL(
            "DELETE FROM {} t WHERE NOT EXISTS (SELECT 1 FROM pg_temp.incoming n "
            "WHERE {})"
        ).format(table, match)
    )
    cur.execute(
        sql.SQL(
            "UPDATE {} t SET ({}) = ROW({}) FROM pg_temp.incoming n "
            "WHERE {} AND ROW({}) IS DISTINCT FROM ROW({})"
        ).format(table, targets, sources, match, current, sources)
    )
    cur.execute(
        sql.SQL(
            "INSERT INTO {} ({}) SELECT {} FROM pg_temp.incoming n WHERE NOT EXISTS "
            "(SELECT 1 FROM {} t WHERE {})"
        ).format(table, targets, sources, table, match)
    )
    cur.execute("DROP TABLE pg_temp.incoming")


def _key(layer: str, df: pd.DataFrame) -> tuple[str, ...]:
    key = LAYER_KEYS.get(layer)
    if key and all(k in df.columns for k in key):
        keys = df[list(key)]
        if not keys.isna().any().any() and not keys.duplicated().any():
            return key
    return ("ord",)


def _snapshot(
    cur: psycopg.Cursor, schema: str, layer: str, columns: dict[str, str], revision: int
) -> None:
    cols = sql.SQL(", ").join(map(sql.Identifier, columns))
    cur.execute(
        sql.SQL("INSERT INTO {} (revision, {}) SELECT %s, {} FROM {}").format(
            sql.Identifier(schema, f"{layer}_history"),
            cols,
            cols,
            sql.Identifier(schema, layer),
        ),
        [revision],
    )


def _read_layer(
    cur: psycopg.Cursor,
    schema: str,
    layer: str,
    columns: dict[str, str],
    revision: int | None,
) -> pd.DataFrame:
    data = [c for c in columns if c not in BOOKKEEPING and c != GEOM]
    select = [sql.Identifier(c) for c in data]
    if GEOM in columns:
        select.append(sql.SQL("ST_AsBinary(geom)"))
    if revision is None:
        source, where, params = sql.Identifier(schema, layer), sql.SQL(""), []
    else:
        source = sql.Identifier(schema, f"{layer}_history")
        where, params = sql.SQL(" WHERE revision = %s"), [revision]
    rows = cur.execute(
        sql.SQL("SELECT {} FROM {}{} ORDER BY ord").format(
            sql.SQL(", ").join(select), source, where
        ),
        params,
    ).fetchall()
    names = data + ([GEOM] if GEOM in columns else [])
    df = pd.DataFrame.from_records(rows, columns=names)
    for c in data:
        kind = columns[c]
        if kind == "double precision":
            df[c] = pd.to_numeric(df[c]).astype(float)
        elif kind in ("bigint", "integer"):
            df[c] = df[c].astype(int if df[c].notna().all() else float)
    if GEOM not in columns:
        return df
    geoms = shapely.from_wkb(np.asarray(df.pop(GEOM).tolist(), dtype=object))
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=4326))


def _write_styles(
    cur: psycopg.Cursor,
    schema: str,
    layers: Mapping[str, pd.DataFrame],
    geom_types: dict[str, str],
) -> None:
    """One default QGIS style per spatial layer, replaced on every save."""
    for layer, df in layers.items():
        if layer not in geom_types:
            continue
        _, family = symbol_family(geom_types[layer])
        cur.execute(
            "DELETE FROM public.layer_styles WHERE f_table_schema = %s "
            "AND f_table_name = %s AND stylename = 'planner'",
            [schema, layer],
        )
        cur.execute(
            """INSERT INTO public.layer_styles
                   (f_table_catalog, f_table_schema, f_table_name,
                    f_geometry_column, stylename, styleqml, useasdefault,
                    description, type)
               VALUES (current_database(), %s, %s, %s, 'planner',
                       XMLPARSE(DOCUMENT %s), true, %s, %s)""",
            [
                schema,
                layer,
                GEOM,
                layer_qml(layer, geom_types[layer], df),
                "巡查规划 planner style",
                family,
            ],
        )
