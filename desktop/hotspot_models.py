"""Table model of the hotspot dock's 高发网格 tab (top cells per zone)."""

from __future__ import annotations

from desktop.models import Column, FrameModel


class TopCellsModel(FrameModel):
    """The busiest cells of each zone (:func:`planning.hotspots.top_cells_per_zone`)."""

    columns = (
        Column("squad_id"),
        Column("rank", 0),
        Column("cell_id"),
        Column("events", 0),
        Column("share_pct", 1),
        Column("intensity", 2),
        Column("top_types"),
    )
    SQUAD_COLUMN = 0
