"""Rebalance settings, result and the the stage name (shared by the
modules of :mod:`planning.rebalance`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planning.zoning import (
    ZoningSettings,
)

STAGE = "rebalance"
TRADEOFF_TOLERANCES = (0.20, 0.10, 0.05, 0.02)


class RebalanceError(ValueError):
    """The input cannot be rebalanced; the message names cells or squads."""


@dataclass(frozen=True)
class RebalanceSettings(ZoningSettings):
    """What the chief asks of a rebalancing: a zoning's settings (tolerance,
    time limit for the whole call, workers, seed; nesting, reach and
    candidates reach only the ``rezone`` fallback), and

    Parameters
    ----------
    rings
        Depth (cells) from a zone border within which cells may change squad
        in the model on today's zoning (twice that when following flows).
    """

    time_limit: float = 60.0
    rings: int = 4


@dataclass
class RebalanceResult:
    """A rebalanced zoning and what the chief needs to approve it.

    ``assignment`` maps every ``cell_id`` to its ``squad_id``; ``moves``
    lists the cells that change hands (cell_id, from_squad, to_squad,
    workload); ``bound`` is :func:`moved_workload_bound` (``nan`` when even
    the relaxation cannot reach the band). ``travel`` is workload-weighted
    travel minutes from each cell's base, ``travel_before`` today's.
    ``feasible``: contiguous, within the tolerance and locks kept.
    ``far_moved`` counts the cells handed to a squad whose zone does not
    border theirs today (:func:`far_moves`); when there are any, ``bound``
    is the weaker one for moves between any zones, the one that holds.
    """

    assignment: pd.Series
    moves: pd.DataFrame
    moved_workload: float
    bound: float
    travel: float
    travel_before: float
    worst_before_pct: float
    worst_after_pct: float
    feasible: bool
    contiguous: bool
    far_moved: int
    status: str
    seconds: float
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What the CLI prints (Chinese first, English after)."""
        gap = (
            f"{self.moved_workload / self.bound:.2f}x"
            if self.bound and np.isfinite(self.bound)
            else "n/a"
        )
        return [
            f"调整网格 cells moved: {self.moved_cells}; 调整工作量 workload moved: "
            f"{self.moved_workload:,.0f} min (下界 lower bound {self.bound:,.0f}, "
            f"{gap})",
            f"最大偏差 worst deviation: {self.worst_before_pct:.1f}% -> "
            f"{self.worst_after_pct:.1f}%; 路程 travel (workload x min): "
            f"{self.travel_before:,.0f} -> {self.travel:,.0f}",
            f"连续 contiguous: {'y' if self.contiguous else 'n'}; 可行 feasible: "
            f"{'y' if self.feasible else 'n'}; {self.status}, {self.seconds:.1f}s",
        ]

    @property
    def moved_cells(self) -> int:
        return len(self.moves)
