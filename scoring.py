"""Read, validate and align a submission against the hidden target, then apply the metric."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from errors import ConfigError, InvalidSubmission

BOM = b"\xef\xbb\xbf"
SHOWN = 5  # how many offending ids or rows a message lists
READ = pacsv.ReadOptions(use_threads=False)


@dataclass(frozen=True)
class Target:
    """The hidden target, sorted by id, with each row's leaderboard part."""

    id_column: str
    columns: tuple[str, ...]
    ids: np.ndarray  # sorted; int64 or str objects
    values: np.ndarray  # (n,) or (n, k), aligned with ids
    public: np.ndarray  # bool, aligned with ids

    @property
    def header(self) -> tuple[str, ...]:
        return (self.id_column, *self.columns)

    @property
    def integer_ids(self) -> bool:
        return self.ids.dtype.kind == "i"

    @property
    def has_private(self) -> bool:
        return not bool(self.public.all())

    @cached_property
    def private(self) -> np.ndarray:
        return ~self.public

    @cached_property
    def truth(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The values of the public part and of the private part (None without one), selected once."""
        return self.values[self.public], self.values[self.private] if self.has_private else None


@dataclass(frozen=True)
class Scores:
    public: float
    private: float | None


# -- the metric: a pure function ------------------------------------------------------------------
def score(y_true: np.ndarray, y_pred: np.ndarray, metric: Callable, params: dict) -> float:
    """Apply the metric to aligned arrays and return one finite float."""
    try:
        value = metric(y_true, y_pred, **params)
    except (ValueError, TypeError, IndexError) as exc:
        raise InvalidSubmission(f"The metric could not score these predictions: {_short(exc)}. "
                                "Check that the values have the kind the Evaluation page asks for "
                                "(e.g. probabilities between 0 and 1, or class labels).") from None
    return as_score(value)


def as_score(value) -> float:
    """Turn a metric's return value into a float, or say why it is not a score."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):  # ragged tuples, e.g. precision_recall_curve's three arrays
        array = np.asarray(None, dtype=object)
    if array.ndim != 0 or array.dtype.kind not in "biuf":
        raise ConfigError(f"The metric returned {type(value).__name__} {_clip(value, 60)}, not one number. "
                          "SKLEARN_SCORER must return a single float (e.g. average_precision_score, not "
                          "precision_recall_curve).")
    result = float(array)
    if not math.isfinite(result):
        raise InvalidSubmission(f"The metric returned {result} for these predictions, which cannot be ranked. "
                                "Check for predictions the metric cannot take (e.g. probabilities of exactly 0 or 1 "
                                "with log loss).")
    return result


def score_parts(target: Target, predictions: np.ndarray, metric: Callable, params: dict) -> Scores:
    """Score aligned predictions on the public part and, where there is one, the private part."""
    truth_public, truth_private = target.truth
    public = score(truth_public, _rows(predictions, target.public), metric, params)
    private = None
    if target.has_private:
        try:
            private = score(truth_private, _rows(predictions, target.private), metric, params)
        except InvalidSubmission:  # the metric's own words could describe the hidden rows: say less
            raise InvalidSubmission("The metric could not score these predictions on the private part of the test "
                                    "set. Check that every prediction has the kind the Evaluation page asks for "
                                    "(e.g. probabilities between 0 and 1, or class labels).") from None
    return Scores(public, private)


def format_score(value: float | None) -> str:
    """Six significant digits, trailing zeros kept (0.912345, 1.00000, 1234.57, 1.20000e-07)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:#.6g}"


# -- reading and validating a submission ---------------------------------------------------------
def read_predictions(content: bytes, target: Target, max_bytes: int | None = None,
                     progress: Callable[[str], None] | None = None) -> np.ndarray:
    """Parse an uploaded CSV and return its predictions aligned with the target's ids."""
    report = progress or (lambda stage: None)
    report("Reading the file")
    text = _canonical_header(_checked_bytes(content, target, max_bytes), target)
    table = _parse(text, target)
    report("Checking ids and values")
    ids = _ids(table.column(0), target)
    predictions = _predictions(table, target)
    del table
    pa.default_memory_pool().release_unused()  # the parser's buffers go back to the system before the metric
    return _align(ids, predictions, target)


def _checked_bytes(content: bytes, target: Target, max_bytes: int | None) -> bytes:
    if max_bytes is not None and len(content) > max_bytes:
        raise InvalidSubmission(f"The file is {len(content) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB "
                                "upload limit. Upload only the id and prediction columns.")
    if content.startswith(BOM):
        content = content[len(BOM):]
    if not content[:4096].strip() and not content.strip():
        raise InvalidSubmission(f"The file is empty. Upload a CSV whose first line is "
                                f"`{','.join(target.header)}`, then one row per test id.")
    if content.startswith(b"PK\x03\x04") or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidSubmission("This is an Excel workbook (or another zipped file), not a CSV. "
                                "Save it as 'CSV UTF-8 (comma delimited)' and upload that.")
    head = content[:65536]
    if b"\x00" in head:
        raise InvalidSubmission("This is a binary file, not a CSV text file. Upload the CSV of your predictions.")
    try:
        if not content.isascii():  # ASCII is UTF-8; decoding would copy the whole file
            content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidSubmission(f"The file is not UTF-8 text (byte 0x{content[exc.start]:02x} at position "
                                f"{exc.start}). Save it as 'CSV UTF-8'.") from None
    return content


def _canonical_header(content: bytes, target: Target) -> bytes:
    """Check the first line against the sample submission's header; return the file with that exact header."""
    end = content.find(b"\n")
    end = len(content) if end < 0 else end
    first = content[:end].rstrip(b"\r").decode("utf-8")
    names = [name.strip().strip('"').strip() for name in first.split(",")]
    expected = list(target.header)
    canonical = ",".join(expected)
    if first == canonical:
        return content  # the usual case: no copy of a large file
    if names == expected:
        return canonical.encode("utf-8") + content[end:]
    wanted = f"`{canonical}`"
    if len(names) == 1 and ";" in first:
        raise InvalidSubmission(f"The file is separated by semicolons; use commas. Its first line must be {wanted}.")
    if len(names) == 1 and "\t" in first:
        raise InvalidSubmission(f"The file is separated by tabs; use commas. Its first line must be {wanted}.")
    missing = [n for n in expected if n not in names]
    extra = [n for n in names if n not in expected]
    details = []
    if missing:
        details.append(f"missing column(s) {', '.join(missing)}")
    if extra:
        details.append(f"unexpected column(s) {', '.join(_clip(n) for n in extra[:SHOWN])}")
    if not details:
        details.append("the columns are in the wrong order")
    raise InvalidSubmission(f"Wrong header: {'; '.join(details)}. The first line must be {wanted}, "
                            "as in the sample submission.")


def _parse(content: bytes, target: Target) -> pa.Table:
    types = {name: pa.float64() for name in target.columns}
    types[target.id_column] = pa.int64() if target.integer_ids else pa.string()
    try:
        return pacsv.read_csv(pa.BufferReader(content), read_options=READ, convert_options=pacsv.ConvertOptions(
            column_types=types, strings_can_be_null=False))
    except pa.ArrowInvalid:
        pass  # the slow path below finds the exact row and says what is wrong with it
    try:
        table = pacsv.read_csv(io.BytesIO(content), convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in target.header}, strings_can_be_null=True))
    except pa.ArrowInvalid as exc:
        raise InvalidSubmission(f"The file is not a well-formed CSV ({_short(exc)}). Each line must hold "
                                f"{len(target.header)} comma-separated values.") from None
    return table


def _ids(column: pa.ChunkedArray, target: Target) -> np.ndarray:
    name = target.id_column
    if column.null_count:
        nulls = np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))
        raise InvalidSubmission(f"Empty {name} on {_lines(nulls)}. Every row needs an id.")
    if pa.types.is_integer(column.type):
        return column.to_numpy()
    values = column.to_numpy(zero_copy_only=False).astype(object)
    nulls = [i for i, v in enumerate(values) if v is None or str(v).strip() == ""]
    if nulls:
        raise InvalidSubmission(f"Empty {name} on {_lines(nulls)}. Every row needs an id.")
    if not target.integer_ids:
        return np.array([str(v).strip() for v in values], dtype=object)
    parsed = np.empty(len(values), dtype=np.int64)
    bad = []
    for i, v in enumerate(values):
        try:
            number = float(v)
        except ValueError:
            bad.append(i)
            continue
        if not number.is_integer() or abs(number) >= 2**63:
            bad.append(i)
        else:
            parsed[i] = int(number)
    if bad:
        shown = ", ".join(f"line {i + 2}: {_clip(values[i])!r}" for i in bad[:SHOWN])
        raise InvalidSubmission(f"The {name} column must hold whole numbers; not so on {shown}"
                                f"{_more(bad)}.")
    return parsed


def _predictions(table: pa.Table, target: Target) -> np.ndarray:
    columns = []
    for name in target.columns:
        column = table.column(name)
        if not pa.types.is_floating(column.type):
            column = _as_numbers(column, name)
        values = column.to_numpy()
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise InvalidSubmission(f"Column {name} has empty, NaN or infinite values on {_lines(bad)}. "
                                    "Every prediction must be a finite number.")
        columns.append(values)
    return columns[0] if len(columns) == 1 else np.column_stack(columns)


def _as_numbers(column: pa.ChunkedArray, name: str) -> pa.ChunkedArray:
    values = column.to_pylist()
    parsed, bad = [], []
    for i, v in enumerate(values):
        try:
            parsed.append(float("nan") if v is None or v.strip() == "" else float(v))
        except ValueError:
            bad.append(i)
    if bad:
        shown = ", ".join(f"line {i + 2}: {_clip(values[i])!r}" for i in bad[:SHOWN])
        raise InvalidSubmission(f"Column {name} must hold numbers; not so on {shown}{_more(bad)}.")
    return pa.chunked_array([pa.array(parsed, type=pa.float64())])


def _align(ids: np.ndarray, predictions: np.ndarray, target: Target) -> np.ndarray:
    """Reorder predictions to the target's id order, or say which ids are wrong."""
    expected = target.ids
    if len(ids) == len(expected) and np.array_equal(ids, expected):
        return predictions
    name = target.id_column
    counts = "" if len(ids) <= len(expected) else f"The file has {len(ids)} rows for {len(expected)} test ids. "
    positions, known = _positions(ids, expected)
    if not known.all():
        raise InvalidSubmission(f"{counts}Unknown {name}(s): {_list(ids[~known])}. Submit only the ids of the "
                                "test set (see the sample submission).")
    if len(ids) == len(expected):
        seen = np.zeros(len(expected), dtype=bool)
        seen[positions] = True
        if seen.all():  # every id once: a permutation
            aligned = np.empty_like(predictions)
            aligned[positions] = predictions
            return aligned
    seen = np.bincount(positions, minlength=len(expected))
    if (seen > 1).any():
        raise InvalidSubmission(f"{counts}Duplicate {name}(s): {_list(expected[seen > 1])}. Submit each test id "
                                "exactly once.")
    raise InvalidSubmission(f"Missing {name}(s): {_list(expected[seen == 0])} ({int((seen == 0).sum())} of "
                            f"{len(expected)} missing). Submit one row per test id.")


def _positions(ids: np.ndarray, expected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each submitted id sits in the sorted target, and whether it is there at all."""
    n = len(expected)
    if expected.dtype.kind == "i" and n and expected[-1] - expected[0] == n - 1:
        positions = ids - expected[0] if expected[0] else ids  # a dense range of ids: positions by arithmetic
        return positions, positions.view(np.uint64) < n  # negative positions wrap to huge values
    positions = np.searchsorted(expected, ids)
    clipped = np.minimum(positions, n - 1)
    known = (positions < n) & (expected[clipped] == ids)
    return clipped, known


# -- small helpers for messages ------------------------------------------------------------------
def _rows(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return values[mask]


def _lines(rows) -> str:
    rows = list(rows)
    shown = ", ".join(str(int(i) + 2) for i in rows[:SHOWN])
    return f"line(s) {shown}{_more(rows)}"


def _list(values) -> str:
    values = list(values)
    return ", ".join(_clip(v) for v in values[:SHOWN]) + _more(values)


def _more(items) -> str:
    extra = len(items) - SHOWN
    return f" and {extra} more" if extra > 0 else ""


def _clip(value, width: int = 40) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _short(exc: Exception, width: int = 300) -> str:
    return _clip(str(exc).replace("\n", " "), width)
