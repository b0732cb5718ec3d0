"""Model families: which explainer fits a final estimator, and how big the model is.

Families are recognised by ``isinstance`` against scikit-learn's classes (never by parsing
type names). Complexity counts what a reader would have to inspect to follow the model:

==============  =====================================================================
family          ``model_complexity``
==============  =====================================================================
linear          coefficients + intercepts
tree            tree nodes
forest          tree nodes, summed over the trees
boosting        tree nodes, summed over every boosting stage (and class); for a native XGBoost,
                LightGBM or CatBoost model (:class:`~analysis.loading.BoosterModel`), counted
                from the library's own model dump (splits and leaves)
neural_network  weights + biases
neighbors       stored training values (rows x features)
naive_bayes     per-class parameters (means, variances, priors or log-probabilities)
svm             support-vector values + dual coefficients + intercepts
stacking        sum over the base estimators and the final estimator
voting/bagging  sum over the member estimators
baseline        stored class priors (1 for a constant regressor)
==============  =====================================================================

Preprocessing steps of a pipeline are not counted. Anything else (an ONNX graph, a third-party
model, XGBoost's linear booster) has no complexity figure (``None``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn import ensemble, linear_model, naive_bayes, neighbors, neural_network, svm, tree
from sklearn.dummy import DummyClassifier, DummyRegressor

from analysis.loading._boosting import BoosterModel

#: Explainer kinds, as recorded in reports.
EXPLAINERS: tuple[str, ...] = ("tree_path_dependent", "linear", "constant", "permutation")
#: Explainers whose attributions are exact for the model (no sampling).
EXACT_EXPLAINERS: frozenset[str] = frozenset({"tree_path_dependent", "linear", "constant"})

_SINGLE_TREES = (tree.DecisionTreeClassifier, tree.DecisionTreeRegressor)  # ExtraTree* subclass these
_FORESTS = (
    ensemble.RandomForestClassifier,
    ensemble.RandomForestRegressor,
    ensemble.ExtraTreesClassifier,
    ensemble.ExtraTreesRegressor,
)
_GRADIENT_BOOSTING = (ensemble.GradientBoostingClassifier, ensemble.GradientBoostingRegressor)
#: HistGradientBoosting models (explained path-dependently; see :func:`choose_explainer`).
HIST_BOOSTING = (ensemble.HistGradientBoostingClassifier, ensemble.HistGradientBoostingRegressor)
#: Tree models shap's TreeExplainer reads (GradientBoostingClassifier only for two classes).
TREE_MODELS = _SINGLE_TREES + _FORESTS + _GRADIENT_BOOSTING + HIST_BOOSTING
#: Tree classifiers whose raw output (what TreeExplainer explains) is the class probability.
PROBABILITY_TREES = (tree.DecisionTreeClassifier, ensemble.RandomForestClassifier, ensemble.ExtraTreesClassifier)

#: Linear models shap's LinearExplainer reads (``coef_`` and ``intercept_``).
LINEAR_MODELS = (
    linear_model.LogisticRegression,  # LogisticRegressionCV subclasses it
    linear_model.LinearRegression,
    linear_model.Ridge,
    linear_model.RidgeCV,
    linear_model.RidgeClassifier,
    linear_model.RidgeClassifierCV,
    linear_model.Lasso,  # LassoCV, ElasticNet subclasses share the base below
    linear_model.LassoCV,
    linear_model.ElasticNet,
    linear_model.ElasticNetCV,
    linear_model.Lars,
    linear_model.LassoLars,
    linear_model.BayesianRidge,
    linear_model.ARDRegression,
    linear_model.HuberRegressor,
    linear_model.SGDClassifier,
    linear_model.SGDRegressor,
    linear_model.Perceptron,
    linear_model.PassiveAggressiveClassifier,
    linear_model.PassiveAggressiveRegressor,
    svm.LinearSVC,
    svm.LinearSVR,
)
#: Linear classifiers whose decision function is a log-odds (logistic loss).
LOG_ODDS_LINEAR = (linear_model.LogisticRegression,)

_NAIVE_BAYES = (
    naive_bayes.GaussianNB,
    naive_bayes.BernoulliNB,
    naive_bayes.MultinomialNB,
    naive_bayes.ComplementNB,
    naive_bayes.CategoricalNB,
)
_NEIGHBORS = (
    neighbors.KNeighborsClassifier,
    neighbors.KNeighborsRegressor,
    neighbors.RadiusNeighborsClassifier,
    neighbors.RadiusNeighborsRegressor,
)
_MLP = (neural_network.MLPClassifier, neural_network.MLPRegressor)
_KERNEL_SVM = (svm.SVC, svm.SVR, svm.NuSVC, svm.NuSVR)
_STACKING = (ensemble.StackingClassifier, ensemble.StackingRegressor)
_VOTING = (ensemble.VotingClassifier, ensemble.VotingRegressor)
_BAGGING = (
    ensemble.BaggingClassifier,
    ensemble.BaggingRegressor,
    ensemble.AdaBoostClassifier,
    ensemble.AdaBoostRegressor,
)
_CONSTANT_DUMMY_STRATEGIES = ("most_frequent", "prior", "constant")


@dataclass(frozen=True)
class ModelFacts:
    """What kind of model a final estimator is, and how big.

    Attributes
    ----------
    family : str
        ``linear``, ``tree``, ``forest``, ``boosting``, ``neighbors``, ``neural_network``,
        ``naive_bayes``, ``svm``, ``stacking``, ``voting``, ``bagging``, ``baseline`` or ``other``.
    estimator_type : str
        Class name of the final estimator (for display only).
    complexity : int or None
        See the module docstring; ``None`` when unknown.
    complexity_unit : str
        What ``complexity`` counts.
    explainer : str
        The explainer this estimator gets: one of :data:`EXPLAINERS`.
    """

    family: str
    estimator_type: str
    complexity: int | None
    complexity_unit: str
    explainer: str


def describe_estimator(estimator: Any) -> ModelFacts:
    """Family, complexity and explainer of a final estimator (not a pipeline).

    Parameters
    ----------
    estimator : object
        A fitted estimator.

    Returns
    -------
    ModelFacts

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> facts = describe_estimator(DecisionTreeClassifier(max_depth=1).fit([[0], [1]], [0, 1]))
    >>> facts.family, facts.complexity, facts.explainer
    ('tree', 3, 'tree_path_dependent')
    """
    family = model_family(estimator)
    complexity, unit = compute_complexity(estimator)
    kind = estimator.kind if isinstance(estimator, BoosterModel) else type(estimator).__name__
    return ModelFacts(family, kind, complexity, unit, choose_explainer(estimator))


def model_family(estimator: Any) -> str:
    """The family name of a fitted estimator (see :class:`ModelFacts`)."""
    table = (
        (_SINGLE_TREES, "tree"),
        (_FORESTS, "forest"),
        (_GRADIENT_BOOSTING + HIST_BOOSTING + (BoosterModel,), "boosting"),
        (LINEAR_MODELS, "linear"),
        (_NEIGHBORS, "neighbors"),
        (_MLP, "neural_network"),
        (_NAIVE_BAYES, "naive_bayes"),
        (_KERNEL_SVM, "svm"),
        (_STACKING, "stacking"),
        (_VOTING, "voting"),
        (_BAGGING, "bagging"),
        ((DummyClassifier, DummyRegressor), "baseline"),
    )
    for classes, name in table:
        if isinstance(estimator, classes):
            return name
    return "other"


def is_constant(estimator: Any) -> bool:
    """True for baselines whose output does not depend on the input."""
    if isinstance(estimator, DummyRegressor):
        return True
    return isinstance(estimator, DummyClassifier) and estimator.strategy in _CONSTANT_DUMMY_STRATEGIES


def choose_explainer(estimator: Any) -> str:
    """The explainer of a final estimator: exact where one exists, else model-agnostic.

    Tree ensembles get shap's path-dependent TreeExplainer (``feature_perturbation=
    "tree_path_dependent"``: no background, exact for the trees' own training distribution; the
    interventional variant fails its additivity check on HistGradientBoosting with scikit-learn
    1.9), and so do native XGBoost, LightGBM and CatBoost models (shap reads the booster itself;
    one it cannot read falls back to the permutation explainer, see
    :func:`~analysis.explain._paths.build_path`). Linear models get shap's LinearExplainer.
    Constant baselines get exact zeros. Everything else (kNN, MLP, naive Bayes, kernel SVM,
    stacking, voting, ONNX graphs, multiclass GradientBoostingClassifier, which shap does not
    read) gets the permutation explainer.
    """
    if is_constant(estimator):
        return "constant"
    if isinstance(estimator, ensemble.GradientBoostingClassifier) and len(estimator.classes_) > 2:
        return "permutation"
    if isinstance(estimator, TREE_MODELS + (BoosterModel,)):
        return "tree_path_dependent"
    if isinstance(estimator, LINEAR_MODELS):
        return "linear"
    return "permutation"


def _tree_nodes(estimator: Any) -> int | None:
    if isinstance(estimator, _SINGLE_TREES):
        return int(estimator.tree_.node_count)
    if isinstance(estimator, _FORESTS):
        return int(sum(t.tree_.node_count for t in estimator.estimators_))
    if isinstance(estimator, _GRADIENT_BOOSTING):
        return int(sum(t.tree_.node_count for t in np.ravel(estimator.estimators_)))
    if isinstance(estimator, HIST_BOOSTING):
        return int(sum(len(p.nodes) for stage in estimator._predictors for p in stage))
    if isinstance(estimator, BoosterModel):
        return estimator.n_nodes
    return None


def _size(*arrays: Any) -> int:
    return int(sum(np.size(a) for a in arrays if a is not None))


def compute_complexity(estimator: Any) -> tuple[int | None, str]:
    """``(count, unit)`` for a fitted estimator; ``(None, "unknown")`` when it cannot be counted."""
    nodes = _tree_nodes(estimator)
    if nodes is not None:
        return nodes, "tree nodes"
    if isinstance(estimator, LINEAR_MODELS):
        return _size(estimator.coef_, getattr(estimator, "intercept_", None)), "coefficients"
    if isinstance(estimator, _MLP):
        return _size(*estimator.coefs_, *estimator.intercepts_), "weights"
    if isinstance(estimator, _NEIGHBORS):
        return int(estimator.n_samples_fit_) * int(estimator.n_features_in_), "stored training values"
    if isinstance(estimator, naive_bayes.GaussianNB):
        return _size(estimator.theta_, estimator.var_, estimator.class_prior_), "parameters"
    if isinstance(estimator, naive_bayes.CategoricalNB):
        return _size(*estimator.feature_log_prob_, estimator.class_log_prior_), "parameters"
    if isinstance(estimator, _NAIVE_BAYES):
        return _size(estimator.feature_log_prob_, estimator.class_log_prior_), "parameters"
    if isinstance(estimator, _KERNEL_SVM):
        return _size(estimator.support_vectors_, estimator.dual_coef_, estimator.intercept_), "parameters"
    if isinstance(estimator, DummyClassifier):
        return _size(estimator.class_prior_), "parameters"
    if isinstance(estimator, DummyRegressor):
        return _size(estimator.constant_), "parameters"
    members: list[Any] | None = None
    if isinstance(estimator, _STACKING):
        members = [*estimator.estimators_, estimator.final_estimator_]
    elif isinstance(estimator, _VOTING + _BAGGING):
        members = list(estimator.estimators_)
    if members is not None:
        counts = [compute_complexity(_final_step(m))[0] for m in members if not isinstance(m, str)]
        if any(c is None for c in counts):
            return None, "unknown"
        return int(sum(counts)), "parameters and tree nodes"
    return None, "unknown"


def _final_step(model: Any) -> Any:
    steps = getattr(model, "steps", None)
    return steps[-1][1] if steps else model
