"""Warnings where the data cannot support the figures computed from it.

The numbers are still computed (they are what the data says), but the scorecard records one
sentence per problem in ``dataset["warnings"]``, and the CLI prints them:

* tiny data: fewer rows than ``min_group_size``;
* very few positives or negatives (binary), or a rare class (multiclass): fewer than
  ``min_group_size`` rows of a class, so recall, ROC AUC, PR AUC and their intervals rest on a
  handful of rows (1 positive in 3,000 gives an ROC AUC that one row decides, with a bootstrap
  interval that looks narrow);
* a sensitive attribute with one group: fairness between groups is not defined (its
  disparities are missing, never 0);
* tiny groups of a sensitive attribute: fewer than ``min_group_size`` rows; their rate
  intervals are wide and they are left out of the scored disparities;
* an id column that repeats ids (added by :func:`duplicate_id_warning`).

Every threshold is the evaluation's ``min_group_size`` (default 30, see
:class:`~analysis.evaluation.EvalSettings` and :mod:`analysis.evaluation._fairness`): a class
or the whole dataset is a group of rows like any other, and the same rule of thumb (a rate
from fewer than 30 rows moves by chance more than the gaps being judged) applies to it. One
rule, one setting (``--min-group-size``), so the warnings never disagree with the slice table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

#: Groups, classes or ids named in one warning; the count says how many there are.
NAMED = 5


def _names(items: Sequence[str]) -> str:
    shown = ", ".join(items[:NAMED])
    return shown + (f" and {len(items) - NAMED} more" if len(items) > NAMED else "")


def _class_warnings(dataset: Mapping, rows: int, min_rows: int) -> list[str]:
    counts = dataset.get("class_counts")
    if not isinstance(counts, Mapping) or not counts:
        return []
    target = dataset.get("target")
    of = f" of target {target!r}" if target else ""
    task = dataset.get("task")
    positive = dataset.get("positive_label")
    out = []
    if task == "binary" and positive is not None:
        for label, n in counts.items():
            if n >= min_rows:
                continue
            kind = "positive" if str(label) == str(positive) else "negative"
            hit = "recall, ROC AUC, PR AUC" if kind == "positive" else "the false positive rate, ROC AUC"
            out.append(
                f"only {int(n):,} {kind} row(s) ({target} = {label}) in {rows:,}: {hit} and their intervals rest "
                f"on so few rows that they are unreliable; evaluate on data with at least {min_rows} {kind} rows."
            )
        return out
    rare = [(str(label), int(n)) for label, n in counts.items() if n < min_rows]
    if rare:
        listed = _names([f"{label}: {n} row(s)" for label, n in rare])
        out.append(
            f"{len(rare)} class(es){of} have fewer than {min_rows} rows ({listed}): their recall, precision and "
            "one-vs-rest ROC AUC, and the macro averages over them, are unreliable."
        )
    return out


def support_warnings(dataset: Mapping, groups: Sequence, sensitive: Sequence[str], *, min_group_size: int) -> list[str]:
    """One sentence per way the data cannot support its figures (see the module docstring).

    Parameters
    ----------
    dataset : mapping
        The scorecard's dataset record (``rows``, ``task``, ``target``, ``class_counts``,
        ``positive_label``).
    groups : sequence
        Each attribute's groups: objects with ``attribute``, ``labels`` and ``sizes``
        (:class:`~analysis.evaluation._evaluate.GroupMeta`).
    sensitive : sequence of str
        The single sensitive attributes (intersections are reported only, and not warned about).
    min_group_size : int
        The evaluation's minimum group size: every threshold here.

    >>> from types import SimpleNamespace as G
    >>> ds = {"rows": 3000, "task": "binary", "target": "y", "positive_label": 1, "class_counts": {"0": 2999, "1": 1}}
    >>> for w in support_warnings(ds, [G(attribute="sex", labels=("a",), sizes=np.array([3000]))], ["sex"],
    ...                           min_group_size=30):
    ...     print(w[:60])
    only 1 positive row(s) (y = 1) in 3,000: recall, ROC AUC, PR
    sensitive attribute 'sex' has one group ('a', all 3,000 rows
    """
    out = []
    rows = dataset.get("rows")
    if isinstance(rows, (int, np.integer)) and rows < min_group_size:
        out.append(
            f"only {int(rows):,} row(s) of data: every figure and interval from so few rows is unreliable; evaluate "
            f"on at least {min_group_size} rows (the minimum group size)."
        )
    elif isinstance(rows, (int, np.integer)):  # with tiny data, every class is tiny too: one warning says it
        out += _class_warnings(dataset, int(rows), min_group_size)
    for g in groups:
        if g.attribute not in sensitive:
            continue
        sizes = np.asarray(g.sizes)
        if len(g.labels) == 1:
            out.append(
                f"sensitive attribute {g.attribute!r} has one group ({g.labels[0]!r}, all {int(sizes[0]):,} rows): "
                "fairness between groups is not defined, so its disparities are missing."
            )
            continue
        small = [(label, int(n)) for label, n in zip(g.labels, sizes, strict=True) if n < min_group_size]
        if small:
            listed = _names([f"{label!r}: {n} row(s)" for label, n in small])
            out.append(
                f"sensitive attribute {g.attribute!r} has {len(small)} group(s) with fewer than {min_group_size} rows "
                f"({listed}): their rates' intervals are wide and they are left out of the scored disparities."
            )
    return out


def duplicate_id_warning(frame: pd.DataFrame, id_column: str | None, *, source: str) -> str | None:
    """A warning when the id column repeats ids, else ``None``.

    Models are scored row by row, so repeated ids change no figure; but rows that share an id
    cannot be told apart by it (a predictions file cannot be joined on it, which
    :func:`analysis.loading.join_rows` refuses), and repeated ids often mean duplicated rows that
    count twice.

    >>> duplicate_id_warning(pd.DataFrame({"id": [1, 1, 1, 2]}), "id", source="d.csv")[:53]
    "id column 'id' in d.csv repeats 1 id(s) over 3 rows ("
    """
    if not id_column or id_column not in frame.columns:
        return None
    ids = frame[id_column]
    dup = ids[ids.duplicated(keep=False) & ids.notna()]
    if dup.empty:
        return None
    repeated = dup.drop_duplicates()
    examples = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in repeated.iloc[:NAMED])
    more = ", ..." if len(repeated) > NAMED else ""
    return (
        f"id column {id_column!r} in {source} repeats {len(repeated):,} id(s) over {len(dup):,} rows (for example "
        f"{examples}{more}): rows that share an id cannot be told apart by it, and duplicated rows count more than "
        "once; check for duplicated rows."
    )
