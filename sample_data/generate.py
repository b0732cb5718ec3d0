"""Generate the built-in scenario: data, candidate models and the machine-readable card.

Run ``python -m sample_data.generate OUT_DIR`` (or ``tradeoffs sample --out OUT_DIR``) to write
``train.parquet``, ``test.parquet``, ``models/<name>.skops`` and ``card.yaml``. The same seed and
the same library versions give byte-identical files; :func:`compare_scenarios` says where two
generated folders differ.
"""

from __future__ import annotations

import argparse
import io
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import skops.io
import yaml

from sample_data._data import SEED, generate_data
from sample_data._models import (
    BOOSTING_CANDIDATES,
    BOOSTING_FILES,
    CANDIDATES,
    FEATURES,
    TARGET,
    boosting_frame,
    boosting_installed,
    fit_boosting_candidates,
    fit_candidates,
)
from sample_data._persist import dump_reproducible

__all__ = ["SEED", "build_card", "compare_scenarios", "generate_data", "generate_scenario"]

TRAIN_FILE = "train.parquet"
TEST_FILE = "test.parquet"
CARD_FILE = "card.yaml"
MODELS_DIR = "models"
#: The scenario's own stakeholder profiles (hand-written; copied with every copy of the data).
PROFILES_FILE = "profiles.yaml"
#: Value of each prediction outcome, in dollars per impression: the platform earns a 15%
#: commission and the ad fee on an order it recommended; a recommendation that is not ordered
#: wastes the slot (the expected value of a better pick) and the user's attention.
VALUE_MATRIX = {"tp": "0.15*order_value + ad_fee", "fp": "-1.5", "fn": "0", "tn": "0"}
_COMPARED_PATTERNS = (
    "*.parquet",
    "*.yaml",
    "README.md",
    f"{MODELS_DIR}/*.skops",
    f"{MODELS_DIR}/*.json",
    f"{MODELS_DIR}/*.txt",
)


def build_card(*, seed: int = SEED, boosting: bool | None = None) -> dict:
    """Build the machine-readable card of the scenario (the content of ``card.yaml``).

    Parameters
    ----------
    seed : int, default=20261130
        Seed the scenario was generated with.
    boosting : bool, optional
        Whether to list the XGBoost and LightGBM candidates (``requires:`` their library, so a
        machine without it leaves them out); default: when both libraries are installed.

    Returns
    -------
    dict
        Plain data with the keys ``name``, ``description``, ``train_file``, ``test_file``,
        ``id``, ``target``, ``positive_label``, ``time``, ``sensitive``, ``features``,
        ``value_columns``, ``value_matrix``, ``incumbent`` (the model in production today),
        ``profiles`` (this scenario's own stakeholder profiles), ``models`` and ``seed``.

    Examples
    --------
    >>> build_card()["target"]
    'ordered'
    """
    return {
        "name": "Restaurant recommendations (built-in scenario)",
        "description": (
            "Synthetic impressions of a food-delivery app in 2025, after the running example of "
            "Stanford CS 329S lecture 1: will the user order from the restaurant we show? "
            "Train on January-June, test on July-December while the world drifts. Candidates "
            "differ in accuracy, ad revenue, latency, size, explainability and fairness across "
            "income bands; user_zone is a proxy of income."
        ),
        "train_file": TRAIN_FILE,
        "test_file": TEST_FILE,
        "id": "impression_id",
        "target": TARGET,
        "positive_label": 1,
        "time": "timestamp",
        "sensitive": ["income_band", "age_band"],
        "features": list(FEATURES),
        "value_columns": ["order_value", "ad_fee"],
        "value_matrix": dict(VALUE_MATRIX),
        "incumbent": "logistic_regression",
        "profiles": PROFILES_FILE,
        "models": [
            {
                "name": candidate.name,
                "file": f"{MODELS_DIR}/{candidate.name}.skops",
                "family": candidate.family,
                "description": candidate.description,
            }
            for candidate in CANDIDATES
        ]
        + [
            {
                "name": candidate.name,
                "file": f"{MODELS_DIR}/{BOOSTING_FILES[candidate.name]}",
                "family": candidate.family,
                "description": candidate.description,
                "requires": candidate.name,
            }
            for candidate in (BOOSTING_CANDIDATES if (boosting_installed() if boosting is None else boosting) else ())
        ],
        "seed": seed,
    }


def generate_scenario(out_dir: str | Path, *, seed: int = SEED) -> list[Path]:
    """Write the whole scenario to ``out_dir``: data, fitted candidate models and card.

    Every model file is loaded back with the skops allow-list it needs and must reproduce the
    fitted model's probabilities exactly.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write to; created if missing. Existing files of the same names are replaced.
    seed : int, default=20261130
        Seed of the data and of every model.

    Returns
    -------
    list of Path
        The files written: the two Parquet files, one ``.skops`` file per scikit-learn candidate, the
        boosters' own files (when XGBoost and LightGBM are installed), the card.
    """
    out = Path(out_dir)
    (out / MODELS_DIR).mkdir(parents=True, exist_ok=True)
    train, test = generate_data(seed)
    written = []
    for frame, name in ((train, TRAIN_FILE), (test, TEST_FILE)):
        frame.to_parquet(out / name, engine="pyarrow", index=False, compression="zstd")
        written.append(out / name)

    probe = test[list(FEATURES)].head(200)
    for name, model in fit_candidates(train, random_state=seed).items():
        path = dump_reproducible(model, out / MODELS_DIR / f"{name}.skops")
        loaded = skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))
        if not np.array_equal(loaded.predict_proba(probe), model.predict_proba(probe)):
            raise RuntimeError(f"{path} does not reproduce the fitted model's probabilities.")
        written.append(path)
    boosting = boosting_installed()
    if boosting:
        from analysis.loading import load_model

        for name, model in fit_boosting_candidates(train, random_state=seed).items():
            path = out / MODELS_DIR / BOOSTING_FILES[name]
            (model.get_booster() if name == "xgboost" else model.booster_).save_model(str(path))
            expected = model.predict_proba(boosting_frame(probe))
            if not np.allclose(load_model(path).model.predict_proba(probe), expected, rtol=0, atol=1e-6):
                raise RuntimeError(f"{path} does not reproduce the fitted model's probabilities.")
            written.append(path)

    card_path = out / CARD_FILE
    card = build_card(seed=seed, boosting=boosting)
    card_path.write_text(yaml.safe_dump(card, sort_keys=False, width=100), encoding="utf-8")
    written.append(card_path)
    # The human-readable dataset card and the scenario's profiles are hand-written; ship them with
    # every copy of the data.
    for name in ("README.md", PROFILES_FILE):
        src = Path(__file__).resolve().parent / name
        if src.is_file() and src.resolve() != (out / name).resolve():
            (out / name).write_bytes(src.read_bytes())
            written.append(out / name)
    return written


#: Model weights that differ by less than this (relative) are floating-point rounding, not a change:
#: BLAS kernels differ by CPU (e.g. OPENBLAS_CORETYPE), so the last bits of a fit can differ.
WEIGHT_RTOL = 1e-9


def compare_scenarios(a_dir: str | Path, b_dir: str | Path, *, rounding: list[str] | None = None) -> list[str]:
    """Say how two generated scenario folders differ, file by file.

    Compares the bytes of every Parquet, YAML and ``models/*.skops`` file; for model files that
    differ, also names the zip entries that differ. A model file whose only differences are arrays
    equal to within :data:`WEIGHT_RTOL` (the last bits of a fit, which depend on the CPU's BLAS
    kernels) is not a difference; it is described in ``rounding`` when a list is given.

    Parameters
    ----------
    a_dir, b_dir : str or Path
        Folders written by :func:`generate_scenario`.
    rounding : list, optional
        Receives one line per model file that differs only by floating-point rounding.

    Returns
    -------
    list of str
        One human-readable line per difference; empty when the folders are the same.
    """
    a_root, b_root = Path(a_dir), Path(b_dir)
    a_files, b_files = _scenario_files(a_root), _scenario_files(b_root)
    differences = [f"{name}: only in {a_root}" for name in sorted(a_files - b_files)]
    differences += [f"{name}: only in {b_root}" for name in sorted(b_files - a_files)]
    for name in sorted(a_files & b_files):
        a_bytes, b_bytes = (a_root / name).read_bytes(), (b_root / name).read_bytes()
        if a_bytes == b_bytes:
            continue
        line = f"{name}: contents differ ({len(a_bytes):,} vs {len(b_bytes):,} bytes)"
        if name.endswith(".skops"):
            entries = _zip_differences(a_root / name, b_root / name)
            gap = _rounding_only(a_root / name, b_root / name, entries)
            if gap is not None:
                if rounding is not None:
                    rounding.append(f"{name}: weights equal to within {gap:.1e} (relative; floating-point rounding)")
                continue
            line += f"; zip entries that differ: {', '.join(entries)}"
        differences.append(line)
    return differences


def _rounding_only(a_path: Path, b_path: Path, entries: list[str]) -> float | None:
    """The largest relative gap when every differing entry is an array equal within rounding, else None."""
    if not entries or not all(e.endswith(".npy") for e in entries):
        return None
    worst = 0.0
    with zipfile.ZipFile(a_path) as a_zip, zipfile.ZipFile(b_path) as b_zip:
        for name in entries:
            if name not in a_zip.namelist() or name not in b_zip.namelist():
                return None
            a = np.load(io.BytesIO(a_zip.read(name)), allow_pickle=False)
            b = np.load(io.BytesIO(b_zip.read(name)), allow_pickle=False)
            if a.shape != b.shape or a.dtype != b.dtype or not np.issubdtype(a.dtype, np.floating):
                return None
            if not np.allclose(a, b, rtol=WEIGHT_RTOL, atol=0.0, equal_nan=True):
                return None
            scale = np.maximum(np.abs(a), np.abs(b))
            with np.errstate(invalid="ignore", divide="ignore"):
                rel = np.where(scale > 0, np.abs(a - b) / scale, 0.0)
            worst = max(worst, float(np.nanmax(rel)) if rel.size else 0.0)
    return worst


def _scenario_files(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for pattern in _COMPARED_PATTERNS for path in root.glob(pattern)}


def _zip_differences(a_path: Path, b_path: Path) -> list[str]:
    with zipfile.ZipFile(a_path) as a_zip, zipfile.ZipFile(b_path) as b_zip:
        a_names, b_names = set(a_zip.namelist()), set(b_zip.namelist())
        differing = sorted(a_names ^ b_names)
        differing += sorted(name for name in a_names & b_names if a_zip.read(name) != b_zip.read(name))
    return differing or ["none (zip metadata only)"]


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry: ``python -m sample_data.generate OUT_DIR [--seed SEED]``."""
    parser = argparse.ArgumentParser(prog="python -m sample_data.generate", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder to write the scenario to")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    paths = generate_scenario(args.out_dir, seed=args.seed)
    for path in paths:
        print(f"{path.stat().st_size:>12,}  {path}")
    total = sum(path.stat().st_size for path in paths)
    print(f"{total:>12,}  bytes in {len(paths)} files, {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
