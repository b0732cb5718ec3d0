"""Model size on disk and memory added while predicting.

Size is the bytes of the model file when one is given; else the length of
``skops.io.dumps(model)`` (the format Tradeoffs stores models in), else of ``pickle.dumps``
when skops cannot serialise the object; ONNX models report their serialized graph, and native
boosters (XGBoost, LightGBM, CatBoost) the bytes their own library saves.

Peak memory is what :mod:`tracemalloc` sees during one predict call on the largest batch: the
peak of Python-allocated memory above what was allocated when the call started. NumPy reports
its array buffers to tracemalloc, so arrays count; memory allocated natively by libraries
(ONNX Runtime's arena, OpenMP buffers, BLAS workspaces) does not. Tracing slows allocation, so it
runs after, never during, the timed calls.
"""

from __future__ import annotations

import pickle
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

PEAK_MEMORY_SCOPE = (
    "tracemalloc peak of Python-allocated memory (including NumPy arrays) during one predict "
    "call on the largest batch; native allocations of C/C++ libraries are not counted."
)


def measure_model_size(model: Any, path: str | Path | None = None) -> tuple[int, str]:
    """Bytes of the serialized model and how they were obtained.

    Returns
    -------
    size : int
    method : str
        ``"file"``, ``"onnx"``, ``"native"``, ``"skops"`` or ``"pickle"``.

    Raises
    ------
    Exception
        Whatever the serialiser raised when neither skops nor pickle can serialise the model.
    """
    if path is not None:
        return Path(path).stat().st_size, "file"
    model_bytes = getattr(model, "model_bytes", None)
    if isinstance(model_bytes, bytes):
        return len(model_bytes), "onnx"
    native_bytes = getattr(model, "native_bytes", None)
    if callable(native_bytes):  # a BoosterModel: what its library saves
        return len(native_bytes()), "native"
    try:
        import skops.io

        return len(skops.io.dumps(model)), "skops"
    except Exception:  # skops refuses some objects; pickle is the fallback measure
        return len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)), "pickle"


def measure_peak_memory(call: Callable[[Any], Any], batch: Any) -> int:
    """Peak bytes allocated (tracemalloc) above the starting level during ``call(batch)``."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        call(batch)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return max(0, peak - base)
