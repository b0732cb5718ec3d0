"""Benchmark of the index check a ``.skops`` model gets after loading (``analysis.loading._structure``).

Run from the repository root (about two minutes, mostly fitting)::

    python -m bench.bench_model_structure

Three large honest models, saved with skops: a random forest (100 deep trees, 50,000 rows), a
gradient-boosting classifier (3 classes x 200 stages, 10,000 rows) and a histogram gradient-boosting
classifier (3 x 200, 50,000 rows), on 20 features, plus a k-d tree nearest-neighbour model on the same rows. For each it
prints the model's nodes, ``skops.io.load`` (what loading costs anyway), ``check_model_structure``
(vectorised over each tree's node arrays), and the straightforward way: the same checks node by
node in Python, measured on the same loaded model in the same run, with the ratio between them.

No timing is asserted anywhere; the tests check behaviour, this file reports speed.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import skops.io as sio  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402

from analysis.loading._structure import _walk, check_model_structure  # noqa: E402


def _naive(model) -> int:
    """The checks node by node: children later and inside, one parent each, features inside."""
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    from sklearn.tree._tree import Tree

    nodes = 0
    for _, obj in _walk(model):
        if isinstance(obj, Tree):
            n, left, right, feature = obj.node_count, obj.children_left, obj.children_right, obj.feature
            is_split = [int(c) != -1 for c in left]
        elif isinstance(obj, TreePredictor):
            n, left, right, feature = len(obj.nodes), obj.nodes["left"], obj.nodes["right"], obj.nodes["feature_idx"]
            is_split = [not leaf for leaf in obj.nodes["is_leaf"]]
        else:
            continue
        parents = set()
        for i in range(n):
            if is_split[i]:
                for child in (int(left[i]), int(right[i])):
                    assert i < child < n and child not in parents
                    parents.add(child)
                assert 0 <= int(feature[i]) < 20
        nodes += n
    return nodes


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    X, y = make_classification(n_samples=50_000, n_features=20, n_informative=10, n_classes=3, random_state=0)
    models = {
        "random forest, 100 trees": RandomForestClassifier(n_estimators=100, min_samples_leaf=5, random_state=0),
        "gradient boosting, 200 x 3": GradientBoostingClassifier(n_estimators=200, max_depth=4, random_state=0),
        "hist gradient boosting, 200 x 3": HistGradientBoostingClassifier(max_iter=200, random_state=0),
        "k-nearest neighbours (k-d tree)": KNeighborsClassifier(algorithm="kd_tree"),
    }
    print(f"{'model':34} {'nodes':>10} {'skops load':>11} {'check':>9} {'node by node':>13} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, model in models.items():
            rows = 10_000 if name.startswith("gradient boosting") else len(X)
            model.fit(X[:rows], y[:rows])
            path = Path(tmp) / "model.skops"
            sio.dump(model, path)
            trusted = sio.get_untrusted_types(file=path)
            load = _best(lambda: sio.load(path, trusted=trusted), repeat=2)  # noqa: B023
            loaded = sio.load(path, trusted=trusted)
            check = _best(lambda: check_model_structure(loaded))  # noqa: B023
            if "neighbours" in name:
                nodes, naive = len(loaded._tree.__getstate__()[2]), float("nan")
            else:
                nodes = _naive(loaded)
                naive = _best(lambda: _naive(loaded), repeat=1)  # noqa: B023
            ratio = f"{naive / check:6.1f}x" if naive == naive else "    n/a"
            naive_text = f"{naive:12.3f}s" if naive == naive else f"{'n/a':>13}"
            print(f"{name:34} {nodes:>10,} {load:10.3f}s {check:8.3f}s {naive_text} {ratio}")
    print("\ncheck = check_model_structure on the loaded model (the indices listed in analysis/loading/_structure.py);")
    print("node by node = the children/feature checks alone, in a Python loop over nodes.")
    _boosters(X, y)


def _boosters(X, y) -> None:
    """XGBoost and LightGBM files: the library's load against reading and checking the file first."""
    try:
        import lightgbm
        import xgboost
    except ImportError:
        print("\n(boosting extra not installed: XGBoost/LightGBM checks not measured)")
        return
    from analysis.loading._booster_structure import check_lightgbm_text, check_xgboost, read_xgboost_model

    print(f"\n{'booster file (3 classes x 300 rounds)':40} {'size':>9} {'library load':>13} {'read + check':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        xgb = xgboost.train(
            {"objective": "multi:softprob", "num_class": 3, "max_depth": 6, "nthread": 1},
            xgboost.DMatrix(X, y),
            num_boost_round=300,
        )
        lgb = lightgbm.train(
            {"objective": "multiclass", "num_class": 3, "num_leaves": 63, "verbose": -1, "num_threads": 1},
            lightgbm.Dataset(X, y),
            num_boost_round=300,
        )
        files = {
            "XGBoost .json": (Path(tmp) / "m.json", lambda p: xgb.save_model(p)),
            "XGBoost .ubj": (Path(tmp) / "m.ubj", lambda p: xgb.save_model(p)),
            "LightGBM .txt": (Path(tmp) / "m.txt", lambda p: lgb.save_model(p)),
        }
        for name, (path, save) in files.items():
            save(str(path))
            if name.startswith("XGBoost"):
                load = _best(lambda: xgboost.Booster(model_file=str(path)))  # noqa: B023
                check = _best(lambda: check_xgboost(read_xgboost_model(path.read_bytes())))  # noqa: B023
            else:
                load = _best(lambda: lightgbm.Booster(model_file=str(path)))  # noqa: B023
                check = _best(lambda: check_lightgbm_text(path.read_text()))  # noqa: B023
            size = path.stat().st_size / 1e6
            print(f"{name:40} {size:7.1f}MB {load:12.3f}s {check:12.3f}s")


if __name__ == "__main__":
    main()
