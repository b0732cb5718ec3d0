"""MLflow: runs and registered models in, the group's choice back out.

* :func:`import_runs` / :func:`runs_scorecard`: an experiment's runs (optionally filtered) or a
  registered model's versions as a scorecard of their logged metrics, with each run's params,
  tags and model (URI, flavor, whether it can be loaded safely) as provenance.
* :func:`load_mlflow_model`: one model by its URI (``models:/NAME/VERSION``, ``models:/NAME@ALIAS``,
  ``models:/m-ID``, ``runs:/ID/PATH``), downloaded file by file and loaded by Tradeoffs' own loaders
  (skops with our allow-list, ONNX, XGBoost/LightGBM/CatBoost native files; pickle only when trusted).
* :func:`publish_choice`: an alias on the chosen version, tags with the decision's hashes, the report
  as an artifact of its run.

Needs ``pip install 'tradeoffs[mlflow]'``; MLflow is imported when a function is called.
"""

from analysis.tracking._client import (
    ALLOWED_URIS_ENV,
    TRACKING_URI_ENV,
    allowed_tracking_uris,
    check_allowed,
    check_reachable,
    display_uri,
    mlflow_client,
    resolve_tracking_uri,
)
from analysis.tracking._models import (
    MlflowLoadedModel,
    ModelPlan,
    ModelRef,
    fetch_model_file,
    load_mlflow_model,
    plan_model,
    resolve_model,
    source_info,
    with_mlflow_source,
)
from analysis.tracking._publish import (
    DEFAULT_ALIAS,
    Publication,
    chosen_mlflow_source,
    parse_register_target,
    publish_choice,
)
from analysis.tracking._runs import ImportedRun, RunImport, import_runs, runs_scorecard

__all__ = [
    "ALLOWED_URIS_ENV",
    "allowed_tracking_uris",
    "check_allowed",
    "DEFAULT_ALIAS",
    "TRACKING_URI_ENV",
    "ImportedRun",
    "MlflowLoadedModel",
    "ModelPlan",
    "ModelRef",
    "Publication",
    "RunImport",
    "check_reachable",
    "chosen_mlflow_source",
    "display_uri",
    "fetch_model_file",
    "import_runs",
    "load_mlflow_model",
    "mlflow_client",
    "parse_register_target",
    "plan_model",
    "publish_choice",
    "resolve_model",
    "resolve_tracking_uri",
    "runs_scorecard",
    "source_info",
    "with_mlflow_source",
]
