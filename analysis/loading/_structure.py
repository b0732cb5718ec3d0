"""Checks of a loaded ``.skops`` model's index arrays, before anything predicts with it.

skops checks the *types* in a file against an allow-list; it cannot check what those objects
hold. Four types on our allow-list (:data:`~analysis.loading._models.TRUSTED_TYPES`) hold raw
indices that scikit-learn's compiled code follows without bounds checks (scikit-learn is built
with ``boundscheck=False``): a crafted file can load cleanly and then, at the first prediction,
crash the process or read memory outside the model (in a shared dashboard, memory that may hold
another session's data). skops 0.16 stopped trusting two of them by default for this reason
(scikit-learn PR 34558).

We keep them trusted because every random forest, gradient-boosting and most nearest-neighbour
models hold them, and check, after loading and before returning the model, the indices that
scikit-learn's prediction code (and shap's tree explainer) follows from them, listed here:

* ``sklearn.tree._tree.Tree`` (decision trees, forests, ``GradientBoosting*``): ``node_count``
  within the allocated nodes; each split node's children after it and inside the tree (so
  walking down always ends, and no node has two parents); its feature inside the tree's
  ``n_features``, which must equal the features its estimator validates (for a forest or
  gradient boosting, whose trees predict without checking input, the ensemble's). For
  ``GradientBoosting*``: no more trees per stage than the initial estimator's raw predictions
  have columns (the stage loop writes into them unchecked).
* ``...hist_gradient_boosting.predictor.TreePredictor`` (``HistGradientBoosting*``): the node
  record's dtype; children as above; each split's feature inside the estimator's features; a
  categorical split's bitset inside the predictor's bitsets and its feature categorical in the
  estimator's bin mapper; the estimator's preprocessor (categorical columns from dtypes) a
  column transformer of the shape scikit-learn builds, giving exactly ``n_features_in_`` columns.
* ``sklearn.neighbors.KDTree`` / ``BallTree`` (nearest neighbours, kernel density): every entry
  of the index array a row of the data; each node's row range inside the index array; a non-leaf
  node's children inside the node array; the bounds array's shape; the data's width equal to the
  estimator's features; the distance metric's weight vector as long as a row.

Other trusted estimators keep sizes in plain arrays that compiled code trusts too; an
adversarial review found these, now checked: every estimator's parameters within scikit-learn's
own constraints (``_validate_params``: ``FeatureHasher(n_features=0)`` divides by zero); support
vector machines' counts, coefficients and intercepts against each other (libsvm copies them
unchecked); k-means centres as wide as the data and a sane thread count; a one-hot encoder's
output widths recomputed from its categories (they become sparse column indices, written
unchecked); Birch's subcluster norms; a neighbours metric's ``w``/``V``/``VI`` shapes; the only
``functools.partial`` trusted is scikit-learn's ``partial(check_array, dtype=<float>)``; and the
walk enters sets. What this does not cover: other estimator types skops trusts by default are
loaded on its type check alone. The dashboard runs every evaluation in a fresh worker process of
its own (``docs/app_workers.md``), so what such a model could still do ends that one job: a crash
is one sentence, and memory read out of bounds is that job's own.

A file that fails is refused with the first problem, named by where it is in the model
(``estimators_[3].tree_``). These are the structural invariants scikit-learn's own training
code produces, so any model scikit-learn fitted and skops saved passes them (checked on 93
configurations and 82 default estimators).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

#: How many objects the walk visits before it gives up (a model is a few thousand at most; the
#: walk follows attributes, lists, tuples, sets, dicts and object arrays).
MAX_OBJECTS = 2_000_000


class StructureError(ValueError):
    """A loaded model holds an index that scikit-learn would follow out of bounds."""


def check_model_structure(model: Any) -> None:
    """Raise :class:`StructureError` naming the first unsafe index in ``model``'s object graph."""
    from functools import partial

    from sklearn.base import BaseEstimator
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    from sklearn.neighbors import BallTree, KDTree
    from sklearn.tree._tree import Tree

    binary_trees = tuple({KDTree, BallTree, *_binary_tree_classes()})
    owners: list[tuple[str, Any]] = []
    for where, obj in _walk(model):
        if isinstance(obj, Tree):
            _check_tree(obj, where)
        elif isinstance(obj, TreePredictor):
            _check_predictor(obj, where)
        elif isinstance(obj, binary_trees):
            _check_binary_tree(obj, where)
        elif isinstance(obj, partial):
            _check_partial(obj, where)
        elif isinstance(obj, BaseEstimator):
            owners.append((where, obj))
    # innermost estimators first: a gradient-boosting model's initial estimator is checked before the
    # boosting model's own check runs it once (a walk in pre-order lists every part after its owner)
    for where, estimator in reversed(owners):
        _check_owner(estimator, where, binary_trees)


def _binary_tree_classes() -> tuple[type, ...]:
    classes = []
    for module, names in (
        ("sklearn.neighbors._kd_tree", ("KDTree64", "KDTree32")),
        ("sklearn.neighbors._ball_tree", ("BallTree64", "BallTree32")),
    ):
        try:
            mod = __import__(module, fromlist=list(names))
        except ImportError:  # pragma: no cover - older scikit-learn
            continue
        classes.extend(getattr(mod, n) for n in names if hasattr(mod, n))
    return tuple(classes)


def _walk(root: Any) -> Iterator[tuple[str, Any]]:
    """Every object reachable from ``root`` (attributes, containers, object arrays), once each."""
    seen: set[int] = set()
    stack: list[tuple[str, Any]] = [("", root)]
    while stack:
        where, obj = stack.pop()
        if id(obj) in seen or obj is None or isinstance(obj, (str, bytes, int, float, bool, np.generic)):
            continue
        seen.add(id(obj))
        if len(seen) > MAX_OBJECTS:
            raise StructureError(f"it holds more than {MAX_OBJECTS:,} objects")
        yield where, obj
        name = where
        if isinstance(obj, np.ndarray):
            if obj.dtype == object:
                for index in np.ndindex(obj.shape):
                    stack.append((f"{name}[{', '.join(map(str, index))}]", obj[index]))
            continue
        if isinstance(obj, dict):
            for key, value in obj.items():
                stack.append((f"{name}[{key!r}]", value))
        elif isinstance(obj, (list, tuple, set, frozenset)):
            for i, value in enumerate(obj):
                stack.append((f"{name}[{i}]", value))
        else:
            attributes = getattr(obj, "__dict__", None)
            if isinstance(attributes, dict):
                for key, value in attributes.items():
                    stack.append((f"{name}.{key}" if name else key, value))


def _label(where: str) -> str:
    return where or "the model"


def _at(where: str, part: str) -> str:
    """The path of ``part`` (an attribute name, or ``[i]``) inside the object at ``where``."""
    return f"{where}{part}" if part.startswith("[") or not where else f"{where}.{part}"


def _check_children(
    left: np.ndarray, right: np.ndarray, split: np.ndarray, n: int, where: str, *, later: bool = True
) -> None:
    """Split nodes' children inside the ``n`` nodes, no node with two parents, and every walk down ending.

    ``later=True`` (scikit-learn's trees, whose training always appends children after their
    parent): each child comes after its parent. ``later=False`` (XGBoost's, which may reuse a
    pruned node's slot): no child is the root. Either way a walk from the root cannot meet a cycle
    (a walk that never ends hangs the process that predicts), and one parent each keeps a recursive
    walk (shap's) linear in the nodes.
    """
    parents = np.flatnonzero(split)
    if not parents.size:
        return
    children = np.concatenate((left[parents], right[parents])).astype(np.int64, copy=False)
    twice = np.concatenate((parents, parents))
    bad = ((children <= twice) if later else (children <= 0)) | (children >= n)
    if bad.any():
        first = int(np.argmax(bad))
        side = "left" if first < parents.size else "right"
        rule = "a later node" if later else "a node other than the root"
        raise StructureError(
            f"{_label(where)}: node {int(twice[first])}'s {side} child is {int(children[first])}, "
            f"not {rule} of its {n} nodes"
        )
    if int(np.bincount(children, minlength=n).max()) > 1:
        raise StructureError(f"{_label(where)}: a node is the child of two nodes")


#: Deepest tree accepted. Libraries walk trees recursively (LightGBM's dump, XGBoost's depth, shap's
#: explainers): a chain 10,000 nodes deep overflowed LightGBM's stack. Honest trees rarely pass 100.
MAX_TREE_DEPTH = 500


def _check_depth(left: np.ndarray, right: np.ndarray, split: np.ndarray, where: str) -> None:
    """Refuse a tree deeper than :data:`MAX_TREE_DEPTH` (links already checked: inside, one parent each).

    Free for trees of fewer split nodes than the limit; otherwise depth by pointer jumping (each
    node's distance to the root doubles its reach per step: log2(depth) vectorised steps).
    """
    parents = np.flatnonzero(split)
    if parents.size <= MAX_TREE_DEPTH:
        return
    n = split.size
    up = np.arange(n)
    children = np.concatenate((left[parents], right[parents]))
    inside = (children >= 0) & (children < n)  # LightGBM's leaves (negative) are not in these arrays
    up[children[inside]] = np.concatenate((parents, parents))[inside]
    depth = (up != np.arange(n)).astype(np.int64)
    while True:
        nxt = up[up]
        if np.array_equal(nxt, up):
            break
        depth = depth + depth[up]  # a root's depth is 0: adding it once reached changes nothing
        up = nxt
    if int(depth.max()) > MAX_TREE_DEPTH:
        raise StructureError(
            f"{_label(where)}: it is {int(depth.max())} levels deep, over the {MAX_TREE_DEPTH} accepted"
        )


def _check_tree(tree: Any, where: str) -> None:
    n, capacity = int(tree.node_count), int(tree.capacity)
    if not 1 <= n <= capacity:
        raise StructureError(f"{_label(where)}: node_count {n} is outside the {capacity} nodes it holds")
    nodes = tree.__getstate__()["nodes"]
    left, feature = nodes["left_child"], nodes["feature"]
    split = left != -1
    _check_children(left, nodes["right_child"], split, n, where)
    _check_depth(left, nodes["right_child"], split, where)
    width = int(tree.n_features)
    f = feature[split]
    if f.size and (int(f.min()) < 0 or int(f.max()) >= width):
        bad = int(f[(f < 0) | (f >= width)][0])
        raise StructureError(f"{_label(where)}: a split reads feature {bad}, outside its {width} features")


def _check_tree_width(tree: Any, where: str, n_features: int | None) -> None:
    """The features a tree may read (checked against its own ``n_features``) are the ones it is given."""
    if n_features is not None and int(tree.n_features) != n_features:
        raise StructureError(
            f"{_label(where)}: the tree reads {int(tree.n_features)} features where its estimator has {n_features}"
        )


def _check_predictor(predictor: Any, where: str) -> None:
    from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE

    nodes = predictor.nodes
    if not isinstance(nodes, np.ndarray) or nodes.dtype != PREDICTOR_RECORD_DTYPE or nodes.ndim != 1 or not len(nodes):
        raise StructureError(f"{_label(where)}: its nodes are not scikit-learn's node records")
    split = nodes["is_leaf"] == 0
    _check_children(nodes["left"], nodes["right"], split, len(nodes), _at(where, "nodes"))
    _check_depth(nodes["left"].astype(np.int64), nodes["right"].astype(np.int64), split, _at(where, "nodes"))
    categorical = split & (nodes["is_categorical"] != 0)
    if categorical.any():
        bitsets = getattr(predictor, "raw_left_cat_bitsets", None)
        if not isinstance(bitsets, np.ndarray) or bitsets.ndim != 2 or bitsets.shape[1] != 8:
            raise StructureError(f"{_label(where)}: it has categorical splits but no bitsets of 8 words each")
        used = nodes["bitset_idx"][categorical].astype(np.int64)
        if int(used.max()) >= bitsets.shape[0]:
            raise StructureError(
                f"{_label(where)}: a categorical split uses bitset {int(used.max())} of {bitsets.shape[0]}"
            )


def _check_predictor_features(predictor: Any, where: str, n_features: int, is_categorical: np.ndarray) -> None:
    """A predictor's splits read the estimator's features; its categorical splits only categorical ones."""
    nodes = predictor.nodes
    split = nodes["is_leaf"] == 0
    feature = nodes["feature_idx"][split].astype(np.int64)
    if feature.size and int(feature.max()) >= n_features:
        raise StructureError(
            f"{_label(where)}: a split reads feature {int(feature.max())}, outside its estimator's {n_features}"
        )
    categorical = nodes["feature_idx"][split & (nodes["is_categorical"] != 0)].astype(np.int64)
    if categorical.size and not is_categorical[categorical].all():
        raise StructureError(f"{_label(where)}: a categorical split is on a feature that is not categorical")


def _check_binary_tree_width(tree: Any, where: str, n_features: int | None) -> None:
    """Distances between a query row and the tree's rows run over the tree's columns."""
    width = np.asarray(tree.__getstate__()[0]).shape[1]
    if n_features is not None and width != n_features:
        raise StructureError(f"{_label(where)}: its data has {width} columns where its estimator has {n_features}")


def _check_binary_tree(tree: Any, where: str) -> None:
    state = tree.__getstate__()
    data, idx_array, node_data, node_bounds = (np.asarray(s) for s in state[:4])
    n_nodes, metric, weights = int(state[6]), state[11], state[12]
    if data.ndim != 2 or data.shape[0] < 1:
        raise StructureError(f"{_label(where)}: its data is not a table of rows")
    rows, width = data.shape
    if idx_array.shape != (rows,) or (rows and (int(idx_array.min()) < 0 or int(idx_array.max()) >= rows)):
        raise StructureError(f"{_label(where)}: its index array does not index its {rows} rows")
    if node_data.ndim != 1 or len(node_data) != n_nodes or n_nodes < 1:
        raise StructureError(f"{_label(where)}: it says {n_nodes} nodes and holds {len(node_data)}")
    start, end = node_data["idx_start"].astype(np.int64), node_data["idx_end"].astype(np.int64)
    if (start < 0).any() or (start > end).any() or (end > rows).any():
        raise StructureError(f"{_label(where)}: a node's row range is outside its {rows} rows")
    inner = np.flatnonzero(node_data["is_leaf"] == 0)
    if inner.size and int(inner.max()) * 2 + 2 >= n_nodes:
        raise StructureError(f"{_label(where)}: a node's children are outside its {n_nodes} nodes")
    planes = 2 if "KDTree" in type(tree).__name__ else 1  # a k-d tree's lower and upper bounds; a ball's centre
    if node_bounds.shape != (planes, n_nodes, width):
        raise StructureError(f"{_label(where)}: its node bounds do not match its {n_nodes} nodes of {width} columns")
    if weights is not None and np.asarray(weights).shape != (rows,):
        raise StructureError(f"{_label(where)}: its sample weights do not match its {rows} rows")
    vector = np.asarray(metric.__getstate__()[1])
    name = type(metric).__name__
    if name.startswith("SEuclidean") and vector.shape != (width,):
        raise StructureError(f"{_label(where)}: its metric's variances are not one per column")
    if name.startswith("Minkowski") and vector.size not in (0, width):
        raise StructureError(f"{_label(where)}: its metric's weights are not one per column")
    if name.startswith("Haversine") and width != 2:
        raise StructureError(f"{_label(where)}: the haversine metric needs 2 columns, its data has {width}")


def _check_owner(estimator: Any, where: str, binary_trees: tuple[type, ...]) -> None:
    """Checks that need the estimator: how many features its trees may read, shapes between parts."""
    from sklearn.ensemble import BaseEnsemble
    from sklearn.ensemble._bagging import BaseBagging
    from sklearn.ensemble._forest import BaseForest
    from sklearn.ensemble._gb import BaseGradientBoosting
    from sklearn.ensemble._hist_gradient_boosting.gradient_boosting import BaseHistGradientBoosting
    from sklearn.tree import BaseDecisionTree

    n = getattr(estimator, "n_features_in_", None)
    n = int(n) if isinstance(n, (int, np.integer)) else None
    if isinstance(estimator, BaseDecisionTree) and hasattr(estimator, "tree_"):
        _check_tree_width(estimator.tree_, _at(where, "tree_"), n)
    for key, value in vars(estimator).items():
        if isinstance(value, binary_trees):
            _check_binary_tree_width(value, _at(where, key), n)
    _check_parameters(estimator, where)
    _check_arrays(estimator, where, n)
    if not isinstance(estimator, BaseEnsemble) and not isinstance(estimator, BaseHistGradientBoosting):
        return
    if isinstance(estimator, BaseForest) and hasattr(estimator, "estimators_"):
        # a forest validates its input once, then its trees predict with check_input=False
        for i, member in enumerate(estimator.estimators_):
            at = _at(where, f"estimators_[{i}]")
            _check_tree_width(_tree_of(member, at), _at(at, "tree_"), n)
    elif isinstance(estimator, BaseBagging) and hasattr(estimator, "estimators_"):
        # an isolation forest applies its trees to X[:, features] without checking input
        features = getattr(estimator, "estimators_features_", None)
        for i, (member, cols) in enumerate(
            zip(estimator.estimators_, features if features is not None else [], strict=False)
        ):
            tree = getattr(member, "tree_", None)
            given = min(len(cols), n) if n is not None else len(cols)
            if tree is not None and int(tree.n_features) > given:
                raise StructureError(
                    f"{_at(where, f'estimators_[{i}]')}.tree_: reads {int(tree.n_features)} features, is given {given}"
                )
    elif isinstance(estimator, BaseGradientBoosting) and hasattr(estimator, "estimators_"):
        _check_gradient_boosting(estimator, where, n)
    elif isinstance(estimator, BaseHistGradientBoosting) and hasattr(estimator, "_predictors"):
        _check_hist_gradient_boosting(estimator, where, n)


def _tree_of(member: Any, where: str) -> Any:
    from sklearn.tree._tree import Tree

    tree = getattr(member, "tree_", None)
    if not isinstance(tree, Tree):
        raise StructureError(f"{where}: is not a fitted decision tree")
    return tree


def _check_gradient_boosting(model: Any, where: str, n: int | None) -> None:
    stages = model.estimators_
    if not isinstance(stages, np.ndarray) or stages.ndim != 2 or 0 in stages.shape or n is None:
        raise StructureError(f"{_at(where, 'estimators_')}: is not a table of fitted trees")
    for index in np.ndindex(stages.shape):
        at = _at(where, f"estimators_[{index[0]}, {index[1]}]")
        tree = _tree_of(stages[index], at)
        _check_tree_width(tree, _at(at, "tree_"), n)
        # the stage loop reads value[node] as one number per node
        if int(tree.n_outputs) != 1 or tree.value.shape[1:] != (1, 1):
            raise StructureError(
                f"{_at(at, 'tree_')}: a boosting stage's tree holds {tree.value.shape[1:]} values per node"
            )
    if stages.shape[1] == 1:
        return  # one tree per stage: always inside the raw predictions' one column or more
    # the stage loop adds tree k's output to column k of the initial estimator's raw predictions
    try:
        width = model._raw_predict_init(np.zeros((1, n), dtype=np.float32)).shape[1]
    except Exception as exc:
        raise StructureError(
            f"{_at(where, 'init_')}: the initial estimator cannot predict ({type(exc).__name__})"
        ) from None
    if stages.shape[1] > width:
        raise StructureError(
            f"{_at(where, 'estimators_')}: {stages.shape[1]} trees per stage for {width} columns of raw predictions"
        )


def _check_hist_gradient_boosting(model: Any, where: str, n: int | None) -> None:
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor

    mapper = getattr(model, "_bin_mapper", None)
    flags = np.asarray(getattr(mapper, "is_categorical_", None) if mapper is not None else None)
    if n is None or flags.dtype == object or flags.shape != (n,):
        raise StructureError(f"{_at(where, '_bin_mapper')}: does not describe the estimator's {n} features")
    flags = flags.astype(bool)
    for i, stage in enumerate(model._predictors):
        for k, predictor in enumerate(stage):
            at = _at(where, f"_predictors[{i}][{k}]")
            if not isinstance(predictor, TreePredictor):
                raise StructureError(f"{at}: is not a tree predictor")
            _check_predictor_features(predictor, at, n, flags)
    _check_preprocessor(getattr(model, "_preprocessor", None), _at(where, "_preprocessor"), n)


def _check_preprocessor(preprocessor: Any, where: str, n: int) -> None:
    """The column transformer scikit-learn builds for categorical dtypes, giving ``n`` columns."""
    if preprocessor is None:
        return
    from functools import partial

    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import FunctionTransformer, OrdinalEncoder
    from sklearn.utils.validation import check_array

    if not isinstance(preprocessor, ColumnTransformer):
        raise StructureError(f"{where}: is not the column transformer scikit-learn builds")
    width = 0
    for name, transformer, columns in preprocessor.transformers_:
        mask = np.asarray(columns)
        count = int(mask.sum()) if mask.dtype == bool else int(mask.size)
        if mask.dtype == bool and mask.size != n:
            raise StructureError(f"{where}: transformer {name!r} selects from {mask.size} columns, not {n}")
        if transformer == "drop":
            continue
        width_preserving = (
            transformer == "passthrough"
            or isinstance(transformer, OrdinalEncoder)
            or (
                isinstance(transformer, FunctionTransformer)
                and (
                    transformer.func is None
                    or (isinstance(transformer.func, partial) and transformer.func.func is check_array)
                )
            )
        )
        if not width_preserving:
            raise StructureError(f"{where}: transformer {name!r} is not one scikit-learn builds here")
        width += count
    if width != n:
        raise StructureError(f"{where}: gives {width} columns where the trees read {n}")


#: What a ``functools.partial`` may be: scikit-learn's own ``partial(check_array, dtype=..., ...)``
#: (HistGradientBoosting's numeric columns), with these keywords and a floating dtype.
_PARTIAL_KEYWORDS = frozenset({"dtype", "ensure_all_finite", "force_all_finite"})


def _check_partial(function: Any, where: str) -> None:
    from sklearn.utils.validation import check_array

    keywords = dict(function.keywords or {})
    dtypes = keywords.get("dtype", np.float64)
    dtypes = list(dtypes) if isinstance(dtypes, (list, tuple)) else [dtypes]
    try:
        floating = all(np.issubdtype(np.dtype(d), np.floating) for d in dtypes)
    except TypeError:
        floating = False
    if function.func is not check_array or function.args or not set(keywords) <= _PARTIAL_KEYWORDS or not floating:
        raise StructureError(
            f"{_label(where)}: a functools.partial other than scikit-learn's partial(check_array, dtype=<float>)"
        )


def _check_parameters(estimator: Any, where: str) -> None:
    """The estimator's parameters within scikit-learn's own constraints (``n_features=0`` divides by zero)."""
    from sklearn.utils._param_validation import InvalidParameterError

    validate = getattr(estimator, "_validate_params", None)
    if validate is None:
        return
    try:
        validate()
    except InvalidParameterError as exc:
        raise StructureError(f"{_label(where)}: {str(exc).splitlines()[0]}") from None
    except Exception:  # a model saved by another scikit-learn version may lack a parameter: not a bound broken
        return


def _check_arrays(estimator: Any, where: str, n: int | None) -> None:
    """Sizes that compiled code reads from fitted arrays: support vector machines, k-means, one-hot, Birch."""
    from sklearn.cluster import Birch, KMeans, MiniBatchKMeans
    from sklearn.neighbors._base import NeighborsBase
    from sklearn.preprocessing import OneHotEncoder
    from sklearn.svm._base import BaseLibSVM

    label = _label(where)
    if isinstance(estimator, BaseLibSVM) and hasattr(estimator, "support_vectors_"):
        _check_libsvm(estimator, label, n)
    elif isinstance(estimator, (KMeans, MiniBatchKMeans)) and hasattr(estimator, "cluster_centers_"):
        centres = np.asarray(estimator.cluster_centers_)
        if centres.ndim != 2 or (n is not None and centres.shape[1] != n):
            raise StructureError(f"{label}: its cluster centres are not rows of its {n} features")
        threads = getattr(estimator, "_n_threads", 1)
        if not isinstance(threads, (int, np.integer)) or not 1 <= int(threads) <= 4096:
            raise StructureError(f"{label}: its thread count {threads!r} is not between 1 and 4096")
    elif isinstance(estimator, OneHotEncoder) and hasattr(estimator, "_n_features_outs"):
        try:
            expected = list(estimator._compute_n_features_outs())
        except Exception:
            raise StructureError(f"{label}: its categories cannot be counted") from None
        if [int(v) for v in estimator._n_features_outs] != [int(v) for v in expected]:
            raise StructureError(f"{label}: its output widths do not match its categories")
        drops = getattr(estimator, "drop_idx_", None)
        if drops is not None:
            for i, (drop, categories) in enumerate(zip(drops, estimator.categories_, strict=False)):
                if drop is not None and not 0 <= int(drop) < len(categories):
                    raise StructureError(f"{label}: feature {i}'s dropped category is outside its categories")
    elif isinstance(estimator, Birch) and hasattr(estimator, "subcluster_centers_"):
        centres = np.asarray(estimator.subcluster_centers_)
        norms = np.asarray(getattr(estimator, "_subcluster_norms", np.zeros(0)))
        if centres.ndim != 2 or norms.shape != (centres.shape[0],) or (n is not None and centres.shape[1] != n):
            raise StructureError(f"{label}: its subcluster centres, their norms and its features do not match")
    if isinstance(estimator, NeighborsBase) and n is not None:
        params = getattr(estimator, "effective_metric_params_", None) or {}
        for key, shape in (("w", (n,)), ("V", (n,)), ("VI", (n, n))):
            if params.get(key) is not None and np.asarray(params[key]).shape != shape:
                raise StructureError(f"{label}: its metric's {key} is not of shape {shape}")


def _check_libsvm(model: Any, label: str, n: int | None) -> None:
    """Libsvm copies these into its model without checking their lengths against each other."""
    vectors = np.asarray(model.support_vectors_)
    n_sv = vectors.shape[0] if vectors.ndim == 2 else -1
    counts = np.asarray(model._n_support)
    intercepts, coefs = np.asarray(model._intercept_), np.asarray(model._dual_coef_)
    classes = getattr(model, "classes_", None)
    if classes is not None and getattr(model, "_impl", "") in ("c_svc", "nu_svc"):
        k = len(classes)
        pairs = k * (k - 1) // 2
        ok = (
            counts.shape == (k,)
            and k >= 2
            and int(counts.min()) >= 0
            and int(counts.sum()) == n_sv
            and intercepts.shape == (pairs,)
            and coefs.shape == (k - 1, n_sv)
            and np.asarray(model._probA).size in (0, pairs)
            and np.asarray(model._probB).size in (0, pairs)
        )
    else:
        ok = counts.shape == (2,) and intercepts.shape == (1,) and coefs.shape == (1, n_sv)
    ok = ok and np.asarray(model.support_).shape == (n_sv,)
    if model.kernel != "precomputed" and n is not None:
        ok = ok and vectors.shape[1] == n
    if not ok:
        raise StructureError(f"{label}: its support vectors, their counts, coefficients and intercepts do not match")
