"""Tables of the shared store: the registry, row stamps and layer tables.

Layout (documented in ``docs/store.md``): one PostgreSQL schema per project
(``project_<id>``) holding one table per layer of ``docs/plan-schema.md``,
named as the layer, plus ``<layer>_history`` with every saved revision.
The registry ``planstore.projects`` maps project names to schemas and keeps
the project's change counter; ``planstore.revisions`` lists the revisions.

Triggers keep the bookkeeping honest for every writer, the app or QGIS:
a row trigger stamps ``row_version`` (+1 per update), ``updated_by`` and
``updated_at``; a statement trigger bumps the project's ``version`` and
records who changed it and when. A save compares that version with the one
it opened, so a plain ``UPDATE`` from QGIS in between is caught.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa
from geoalchemy2 import Geometry
from psycopg import sql

REGISTRY = "planstore"

# Natural keys of the managed layers: a save updates the rows whose key it
# finds, so unchanged rows keep their row_version. Layers without a usable
# key (absent, null or repeated) are matched by position (``ord``).
LAYER_KEYS: dict[str, tuple[str, ...]] = {
    "cells": ("cell_id",),
    "zones": ("squad_id",),
    "squads": ("squad_id",),
    "towns": ("town_id",),
    "enterprises": ("enterprise_id",),
    "hotspots": ("event_id",),
    "visits": ("visit_id",),
    "routes": ("route_id",),
    "patrols": ("loop_id",),
    "patrol_points": ("loop_id", "seq"),
    "unscheduled": ("enterprise_id",),
    "roster": ("dept_id", "day", "squad_id", "team"),
    "departments": ("dept_id",),
    "meta": ("key",),
}

# columns every layer table has besides the layer's own
BOOKKEEPING = ("id", "ord", "row_version", "updated_by", "updated_at")
GEOM = "geom"

REGISTRY_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {REGISTRY};
CREATE TABLE IF NOT EXISTS {REGISTRY}.projects (
    project_id serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    schema_name text NOT NULL UNIQUE,
    revision integer NOT NULL DEFAULT 0,
    version bigint NOT NULL DEFAULT 0,
    changed_by text,
    changed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {REGISTRY}.revisions (
    project_id integer NOT NULL REFERENCES {REGISTRY}.projects ON DELETE CASCADE,
    revision integer NOT NULL,
    based_on integer,
    saved_by text NOT NULL,
    saved_at timestamptz NOT NULL DEFAULT now(),
    message text NOT NULL DEFAULT '',
    layers jsonb NOT NULL,
    PRIMARY KEY (project_id, revision)
);
CREATE OR REPLACE FUNCTION {REGISTRY}.actor() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('planstore.user', true), ''),
                    session_user::text)
$$;
CREATE OR REPLACE FUNCTION {REGISTRY}.stamp_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        NEW.row_version := OLD.row_version + 1;
    ELSE
        NEW.row_version := 1;
    END IF;
    NEW.updated_by := {REGISTRY}.actor();
    NEW.updated_at := now();
    RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION {REGISTRY}.touch_project() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {REGISTRY}.projects
       SET version = version + 1, changed_by = {REGISTRY}.actor(),
           changed_at = now()
     WHERE schema_name = TG_TABLE_SCHEMA;
    RETURN NULL;
END $$;
-- QGIS reads and writes layer styles here (its own DDL)
CREATE TABLE IF NOT EXISTS public.layer_styles (
    id serial PRIMARY KEY,
    f_table_catalog varchar,
    f_table_schema varchar,
    f_table_name varchar,
    f_geometry_column varchar,
    stylename text,
    styleqml xml,
    stylesld xml,
    useasdefault boolean,
    description text,
    owner varchar(63) DEFAULT CURRENT_USER,
    ui xml,
    update_time timestamp DEFAULT CURRENT_TIMESTAMP,
    type varchar
);
"""


def sa_type(series: pd.Series) -> sa.types.TypeEngine:
    """Column type for a layer column: the types the GeoPackage uses."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return sa.BigInteger()
    if pd.api.types.is_float_dtype(dtype):
        return sa.Float(precision=53)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return sa.DateTime(timezone=getattr(dtype, "tz", None) is not None)
    return sa.Text()


def geometry_type(geoms: object) -> str:
    """One PostGIS type for a layer's geometries; Polygon + MultiPolygon is
    stored as MultiPolygon (QGIS wants one type per layer)."""
    kinds = {k for k in pd.Series(np.asarray(geoms)).map(_kind).dropna().unique()}
    if len(kinds) == 1:
        kind = kinds.pop()
        return kind
    bases = {k.removeprefix("Multi") for k in kinds}
    if len(bases) == 1:
        return "Multi" + bases.pop()
    return "Geometry"


def _kind(geom: object) -> str | None:
    return None if geom is None else getattr(geom, "geom_type", None)


def layer_tables(
    md: sa.MetaData,
    schema: str,
    name: str,
    columns: dict[str, sa.types.TypeEngine],
    geom_type: str | None,
) -> tuple[sa.Table, sa.Table]:
    """A layer's current-state table (GIST index on its geometry) and its
    history: every saved revision, the current table's rows + ``revision``."""

    def table(table_name: str, history: bool) -> sa.Table:
        key = (
            [
                sa.Column("revision", sa.Integer, nullable=False, index=True),
                sa.Column("id", sa.BigInteger, nullable=False),
            ]
            if history
            else [sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True)]
        )
        geom = (
            [sa.Column(GEOM, Geometry(geom_type, srid=4326, spatial_index=not history))]
            if geom_type is not None
            else []
        )
        return sa.Table(
            table_name,
            md,
            *key,
            sa.Column("ord", sa.Integer, nullable=False),
            *(sa.Column(c, t) for c, t in columns.items()),
            *geom,
            sa.Column(
                "row_version",
                sa.Integer,
                nullable=False,
                server_default=None if history else "1",
            ),
            sa.Column("updated_by", sa.Text),
            sa.Column("updated_at", sa.DateTime(timezone=True)),
            schema=schema,
        )

    return table(name, history=False), table(f"{name}_history", history=True)


def trigger_ddl(schema: str, name: str) -> list[sql.Composed]:
    """Row stamps and the project's change counter for one layer table."""
    table = sql.Identifier(schema, name)
    return [
        sql.SQL(
            "CREATE TRIGGER stamp_row BEFORE INSERT OR UPDATE ON {} "
            "FOR EACH ROW EXECUTE FUNCTION {}.stamp_row()"
        ).format(table, sql.Identifier(REGISTRY)),
        sql.SQL(
            "CREATE TRIGGER touch_project AFTER INSERT OR UPDATE OR DELETE ON {} "
            "FOR EACH STATEMENT EXECUTE FUNCTION {}.touch_project()"
        ).format(table, sql.Identifier(REGISTRY)),
    ]
