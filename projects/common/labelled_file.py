"""Any labelled text file: CSV or TSV, the label first or last, a header or none.

- **TSV** (``.tsv``, ``.tab``, or any other file whose first line holds a tab): fields are split
  on tabs only, so a quote is just a character of the text (the ``csv`` module would treat a
  ``"`` at the start of a field as an opening quote and swallow the lines after it into one row).
- **CSV** (``.csv``, or a first line without a tab): the ``csv`` module's quoting rules.
- **Which column is the label** is found from the data: of the first and the last field, the
  label is the one with few distinct values (at most ``MAX_CLASSES``, at most half the rows, and
  at most half as many as the other); the text is every other field joined back with the
  delimiter (unquoted commas in a CSV's text survive). A header naming a label column
  (``label``, ``sentiment``, ...) settles it directly. When neither rule decides, the error
  names ``--label-column`` / ``--text-column``.
- A header row is skipped, a UTF-8 byte-order mark is dropped, and a file that cannot be decoded
  names itself and the ``--encoding`` option. A file with no rows, one class, or a row without
  text or label is refused with its name and the row's line number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_CLASSES = 100
LABEL_NAMES = frozenset({"label", "labels", "class", "sentiment", "polarity", "target", "category", "y"})
TEXT_NAMES = frozenset({"text", "sentence", "review", "content", "comment", "document", "body", "x"})
Column = int | str | None


class LabelledFileError(ValueError):
    """A labelled text file that cannot be read as ``(text, label)`` rows."""


@dataclass
class Row:
    line: int  # 1-based line number in the file where the row starts
    fields: list[str]


def decode(path: Path, encoding: str) -> str:
    """The file's text; a byte-order mark (``\ufeff``, as spreadsheet programs write) is dropped."""
    data = path.read_bytes()
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise LabelledFileError(
            f"{path}: line {line} is not valid {encoding} (byte 0x{data[err.start]:02x}); pass the "
            "file's encoding with --encoding, e.g. --encoding gbk (Chinese) or --encoding latin-1"
        ) from None
    except LookupError:
        raise LabelledFileError(f"{path}: unknown encoding {encoding!r} (--encoding)") from None
    return text.removeprefix("\ufeff")


def delimiter_of(path: Path, text: str) -> str:
    """Tab for ``.tsv`` / ``.tab``, comma for ``.csv``, else tab when the first line has one."""
    suffix = path.suffix.lower()
    if suffix in (".tsv", ".tab"):
        return "\t"
    if suffix == ".csv":
        return ","
    return "\t" if "\t" in text.split("\n", 1)[0] else ","


def split_rows(text: str, delimiter: str) -> list[Row]:
    """Non-blank rows with their line numbers: TSV split on tabs only, CSV with csv quoting."""
    if delimiter == "\t":
        lines = text.replace("\r\n", "\n").split("\n")
        return [Row(i + 1, ln.split("\t")) for i, ln in enumerate(lines) if ln.strip()]
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, line = [], 1
    for fields in reader:
        if any(f.strip() for f in fields):
            rows.append(Row(line, fields))
        line = reader.line_num + 1
    return rows


def _index(column: Column, header: Sequence[str] | None, path: Path, flag: str) -> int | None:
    """A column given as an index (``0``, ``-1``) or a header name, as a field index."""
    if column is None:
        return None
    if isinstance(column, int) or column.lstrip("-").isdigit():
        return int(column)
    names = [h.strip().lower() for h in header or []]
    if column.strip().lower() not in names:
        raise LabelledFileError(f"{path}: {flag} {column!r} is not in the header {list(header or [])}")
    return names.index(column.strip().lower())


def _is_header(fields: Sequence[str]) -> bool:
    return any(f.strip().lower() in LABEL_NAMES | TEXT_NAMES for f in fields)


def find_label_column(
    rows: Sequence[Row], header: Sequence[str] | None, path: Path, label_column: Column, text_column: Column
) -> tuple[int, int | None]:
    """``(label index, text index or None = every other field)``, from the flags, the header
    names, or the data: whichever of the first and the last field has few distinct values."""
    label = _index(label_column, header, path, "--label-column")
    text = _index(text_column, header, path, "--text-column")
    if label is not None:
        return label, text
    names = [h.strip().lower() for h in header or []]
    if named := [i for i, n in enumerate(names) if n in LABEL_NAMES]:
        return named[0], text
    width = min(len(r.fields) for r in rows)
    candidates = [0, -1] if text is None else [i for i in range(width) if i != text % width]
    distinct = {i: len({r.fields[i].strip() for r in rows}) for i in candidates}
    ranked = sorted(candidates, key=distinct.__getitem__)
    fewest, runner_up = ranked[0], ranked[1] if len(ranked) > 1 else None
    if distinct[fewest] <= min(MAX_CLASSES, len(rows) / 2) and (
        runner_up is None or 2 * distinct[fewest] <= distinct[runner_up]
    ):
        return fewest, text
    counts = ", ".join(f"column {i % width}: {distinct[i]}" for i in candidates)
    raise LabelledFileError(
        f"{path}: cannot tell which column holds the labels (distinct values: {counts}; a label "
        f"column has at most {MAX_CLASSES} and clearly fewer than the text); pass --label-column N "
        "and --text-column N (0-based, or header names)"
    )


def read_labelled_file(
    path: str | Path,
    *,
    label_column: Column = None,
    text_column: Column = None,
    encoding: str = "utf-8",
) -> tuple[list[tuple[str, int]], list[str]]:
    """``([(text, class index)], class names)`` of a labelled CSV / TSV file.

    Classes are the sorted distinct labels (numerically when all are integers).
    """
    path = Path(path)
    if not path.is_file():
        raise LabelledFileError(f"{path}: no such file (--data-file)")
    text = decode(path, encoding)
    delimiter = delimiter_of(path, text)
    rows = split_rows(text, delimiter)
    header = rows[0].fields if rows and _is_header(rows[0].fields) else None
    by_name = any(isinstance(c, str) and not c.lstrip("-").isdigit() for c in (label_column, text_column))
    if by_name and header is None and rows:
        header = rows[0].fields  # a header with names of the user's own
    data = rows[1:] if header is not None else rows
    if not data:
        raise LabelledFileError(f"{path}: no data rows")
    short = next((r for r in data if len(r.fields) < 2), None)
    if short is not None:
        sep = "a tab" if delimiter == "\t" else "a comma"
        raise LabelledFileError(
            f"{path}: line {short.line} has one field; expected text and label separated by {sep}"
        )
    label_index, text_index = find_label_column(data, header, path, label_column, text_column)
    pairs = [row_text_and_label(r, label_index, text_index, delimiter, path) for r in data]
    labels = class_names({label for _, label in pairs})
    if len(labels) < 2:
        raise LabelledFileError(
            f"{path}: every row has the label {labels[0]!r}; a classifier needs 2+ classes"
        )
    index = {c: i for i, c in enumerate(labels)}
    return [(body, index[label]) for body, label in pairs], labels


def row_text_and_label(
    row: Row, label_index: int, text_index: int | None, delimiter: str, path: Path
) -> tuple[str, str]:
    """``(text, label)`` of one row; without ``text_index`` the text is every other field."""
    n = len(row.fields)
    if not all(-n <= i < n for i in (label_index, text_index) if i is not None):
        raise LabelledFileError(f"{path}: line {row.line} has only {n} fields")
    label = row.fields[label_index].strip()
    if text_index is None:
        cut = label_index % n
        text = delimiter.join(row.fields[:cut] + row.fields[cut + 1 :]).strip()
    else:
        text = row.fields[text_index].strip()
    if not label or not text:
        raise LabelledFileError(f"{path}: line {row.line} has no {'label' if not label else 'text'}")
    return text, label


def class_names(labels: set[str]) -> list[str]:
    """Sorted labels: numerically when all are integers (``2`` before ``10``), else as strings."""
    if all(label.lstrip("-").isdigit() for label in labels):
        return sorted(labels, key=int)
    return sorted(labels)
