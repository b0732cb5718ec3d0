"""Comparing class labels across dtypes: 1, 1.0, True and "1" are the same label."""

from __future__ import annotations

from typing import Any

import numpy as np


def label_key(value: Any) -> str:
    """A string that is equal for labels that mean the same class (``1``, ``1.0``, ``True``, ``"1"``)."""
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def same_label(a: Any, b: Any) -> bool:
    """Whether two labels name the same class."""
    return label_key(a) == label_key(b)
