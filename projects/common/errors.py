"""Errors a user can fix (missing data, a corrupt checkpoint, a diverged run, a run folder in the
way): each ends the run with one clear message and exit status 2, never a traceback."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from projects.common.data_root import DataMissingError


class RunError(Exception):
    """A run cannot go on, for a reason the message explains."""


class CheckpointError(RunError):
    """A checkpoint file is missing, truncated or not a checkpoint of these projects."""


class DivergedError(RunError):
    """The loss became inf or NaN: training stopped, the last good checkpoint kept."""


@contextmanager
def exit_on_run_error(prog: str) -> Iterator[None]:
    """Turn a :class:`RunError` or a missing dataset into ``prog: error: ...`` and exit status 2."""
    try:
        yield
    except (RunError, DataMissingError) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        raise SystemExit(2) from None


def stop_if_diverged(epoch: int, train_loss: float, val_loss: float, checkpoints: Path) -> None:
    """Raise :class:`DivergedError` when a loss of epoch ``epoch`` (counted from 1) is inf or NaN,
    before anything of that epoch is saved: the checkpoints stay those of epoch ``epoch - 1``."""
    if math.isfinite(train_loss) and math.isfinite(val_loss):
        return
    raise DivergedError(
        f"epoch {epoch}: the loss became {train_loss} (training) / {val_loss} (evaluation). "
        f"Training stopped; the last good checkpoint (epoch {epoch - 1}) stays in {checkpoints}. "
        "Lower --lr, set --grad-clip, or run with --detect to find the first bad layer."
    )
