"""Log the built-in scenario's candidates to an MLflow server, as a team that tracks its models there would.

``python -m sample_data.log_to_mlflow --tracking-uri http://127.0.0.1:5000`` starts one run per
candidate of ``sample_data/card.yaml`` in the experiment ``restaurant-orders``, logs its
parameters (family, file), its ROC AUC and log loss on the test rows, and its model, and
registers each model as a version of the registered model ``restaurant-orders``. scikit-learn
pipelines are logged with MLflow's sklearn flavor in skops format; XGBoost and LightGBM candidates
(present when the ``boosting`` extra was installed when the scenario was generated) with their own
flavors. It needs the ``mlflow`` package; the README's "From MLflow" section uses it.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_NAME = "restaurant-orders"


def log_scenario(tracking_uri: str, *, experiment: str = DEFAULT_NAME, registered_model: str = DEFAULT_NAME) -> list:
    """Log every candidate of the card as a run; ``[(name, run_id, version)]`` in card order."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow
    from sklearn.metrics import log_loss, roc_auc_score

    from analysis.loading import TRUSTED_TYPES, load_model, load_table
    from analysis.scenario import load_card

    card = load_card(HERE / "card.yaml")
    test = load_table(card.test_path, what="data file")
    y = (test[card.target] == card.positive_label).to_numpy()
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLflow's schema-inference and deprecation notices
        mlflow.set_experiment(experiment)
        for spec, path in zip(card.models, card.model_paths, strict=True):
            loaded = load_model(path, name=spec["name"])
            X = test[list(loaded.feature_names)] if loaded.feature_names else test[list(card.features)]
            classes = list(np.asarray(loaded.model.classes_).tolist())
            proba = np.asarray(loaded.model.predict_proba(X))[:, classes.index(card.positive_label)]
            with mlflow.start_run(run_name=spec["name"]) as run:
                mlflow.log_params({"family": spec.get("family", ""), "file": Path(path).name})
                mlflow.log_metrics(
                    {
                        "roc_auc": float(roc_auc_score(y, proba)),
                        "log_loss": float(log_loss(y, np.clip(proba, 1e-15, 1 - 1e-15))),
                    }
                )
                mlflow.set_tag("scenario", card.name)
                # requirements given: MLflow otherwise infers them in a subprocess, several seconds a model
                requirements = {"xgboost": ["xgboost"], "lightgbm": ["lightgbm"]}.get(loaded.format, ["scikit-learn"])
                common = dict(
                    name="model",
                    registered_model_name=registered_model,
                    await_registration_for=0,
                    pip_requirements=requirements,
                )
                if loaded.format == "xgboost":
                    info = mlflow.xgboost.log_model(loaded.model.booster, model_format="ubj", **common)
                elif loaded.format == "lightgbm":
                    info = mlflow.lightgbm.log_model(loaded.model.booster, **common)
                else:  # MLflow checks the file loads, with the types this project trusts
                    info = mlflow.sklearn.log_model(
                        loaded.model, serialization_format="skops", skops_trusted_types=sorted(TRUSTED_TYPES), **common
                    )
            out.append((spec["name"], run.info.run_id, str(info.registered_model_version)))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m sample_data.log_to_mlflow", description=__doc__.splitlines()[0])
    parser.add_argument("--tracking-uri", default=os.environ.get("MLFLOW_TRACKING_URI"), required=False)
    parser.add_argument("--experiment", default=DEFAULT_NAME)
    parser.add_argument("--registered-model", default=DEFAULT_NAME)
    args = parser.parse_args(argv)
    if not args.tracking_uri:
        parser.error("pass --tracking-uri URI (or set MLFLOW_TRACKING_URI)")
    logged = log_scenario(args.tracking_uri, experiment=args.experiment, registered_model=args.registered_model)
    for name, run_id, version in logged:
        print(f"{name:<24} run {run_id}  models:/{args.registered_model}/{version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
