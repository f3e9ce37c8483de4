"""Where offline data is looked for, and the one clear error when it is not there.

The data setting is a single folder laid out like ``../shared/data`` (``mnist/``,
``cifar10_subset/``, ``rt-polarity/``, ``sst2/``). It comes from ``--data-root``, else the
``MINITORCH_DATA`` environment variable, else ``../shared/data`` next to the repository.
Downloads (torchvision's ``download=True``) go to a cache folder, never into the data folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

ENV_VAR = "MINITORCH_DATA"
CACHE_ENV_VAR = "MINITORCH_CACHE"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ROOT = REPO_ROOT.parent / "shared" / "data"


class DataMissingError(FileNotFoundError):
    """A dataset was not found in any of the places looked at."""


def data_root(flag: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: ``flag``, else ``$MINITORCH_DATA``, else ``../shared/data``."""
    if flag:
        return Path(flag).expanduser()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    return DEFAULT_ROOT


def cache_dir(flag: str | os.PathLike[str] | None = None) -> Path:
    """Writable cache for downloads: ``flag``, else ``$MINITORCH_CACHE``, else ~/.cache/minitorch-lab."""
    if flag:
        return Path(flag).expanduser()
    if os.environ.get(CACHE_ENV_VAR):
        return Path(os.environ[CACHE_ENV_VAR]).expanduser()
    return Path.home() / ".cache" / "minitorch-lab"


def find_folder(candidates: Iterable[Path], required: Sequence[str]) -> Path | None:
    """The first candidate folder that holds every file in ``required``."""
    for folder in candidates:
        if all((folder / name).is_file() for name in required):
            return folder
    return None


def missing(what: str, looked: Iterable[Path], required: Sequence[str], how: str) -> DataMissingError:
    """The error raised for absent data: what, where it looked, which files, how to get them."""
    places = "\n".join(f"  - {p}" for p in looked)
    return DataMissingError(
        f"{what} not found. Looked for {', '.join(required)} in:\n{places}\n"
        f"Set --data-root or the {ENV_VAR} environment variable to a folder laid out like "
        f"../shared/data, or {how}"
    )
