"""The bureau's shared plan store on PostgreSQL + PostGIS (see docs/store.md)."""

from planning.store.store import (
    Opened,
    PlanStore,
    ProjectExistsError,
    ProjectInfo,
    RevisionInfo,
    StaleSaveError,
    StoreError,
    UnknownProjectError,
)

__all__ = [
    "Opened",
    "PlanStore",
    "ProjectExistsError",
    "ProjectInfo",
    "RevisionInfo",
    "StaleSaveError",
    "StoreError",
    "UnknownProjectError",
]
