"""Telling MLflow's registry which version the group chose.

:func:`publish_choice` points an alias (default ``champion``) of a registered model at the chosen
candidate's version (registering the candidate's logged model as a new version first when it is
not yet a version of that model), tags the version with the decision's hashes, and logs the
report (HTML and the decision record's JSON) as artifacts of the run that produced the model. It
returns a :class:`Publication` saying what was written where, which the decision log keeps.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from analysis._errors import InputError
from analysis.tracking._client import display_uri, is_not_found, mlflow_error, versions_filter

DEFAULT_ALIAS = "champion"
#: Tags written on the chosen version.
TAG_RECORD = "tradeoffs.decision_record_sha256"
TAG_REPORT = "tradeoffs.report_sha256"
TAG_DECISION = "tradeoffs.decision_id"
TAG_ENTRY = "tradeoffs.log_entry_hash"
_TARGET = re.compile(r"^models:/(?P<name>[^/@]+)/?$")
_ALIAS = re.compile(r"^[A-Za-z0-9_\-]{1,255}$")


@dataclass(frozen=True)
class Publication:
    """What :func:`publish_choice` wrote to MLflow."""

    tracking_uri: str
    registered_model: str
    version: str
    alias: str
    candidate: str
    previous_version: str | None
    created_version: bool
    tags: dict[str, str]
    run_id: str | None
    artifacts: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        """Plain JSON for the decision log."""
        out = asdict(self)
        out["artifacts"] = list(self.artifacts)
        out["notes"] = list(self.notes)
        return out


def parse_register_target(text: str) -> str:
    """The registered model's name from ``models:/NAME``."""
    match = _TARGET.match((text or "").strip())
    if match is None:
        raise InputError(
            f"--mlflow-register takes models:/NAME (the registered model whose alias to set), not {text!r}.",
            source="--mlflow-register",
        )
    return match["name"]


def chosen_mlflow_source(report: Any) -> dict:
    """The chosen candidate's MLflow source (from the report's candidates), or a one-line refusal."""
    chosen = report.chosen
    if not chosen:
        raise InputError("this decision chose no candidate (none met every hard constraint); nothing to publish.")
    entry = next((c for c in report.candidates if c.get("name") == chosen), None)
    info = (entry or {}).get("mlflow")
    if not info or not (info.get("model_uri") or info.get("model_id") or info.get("run_id")):
        where = (entry or {}).get("path") or "a file or prediction file"
        raise InputError(
            f"the chosen candidate {chosen!r} did not come from MLflow (it came from {where}); measure MLflow models "
            "with tradeoffs evaluate --mlflow-model models:/NAME/VERSION to publish the choice.",
            source="--mlflow-register",
        )
    return dict(info)


def _version_for(client: Any, name: str, info: dict) -> tuple[str, bool, list[str]]:
    """The version of ``name`` holding the chosen model; registers it when it is not one yet."""
    notes: list[str] = []
    if info.get("registered_model") == name and info.get("version"):
        try:
            client.get_model_version(name, str(info["version"]))
            return str(info["version"]), False, notes
        except Exception as exc:
            if not is_not_found(exc):
                raise mlflow_error(exc, f"reading version {info['version']} of {name!r}") from None
            raise InputError(
                f"version {info['version']} of registered model {name!r} no longer exists in MLflow; it was deleted "
                "after the evaluation.",
                source="--mlflow-register",
            ) from None
    source = f"models:/{info['model_id']}" if info.get("model_id") else info.get("model_uri")
    if not source or str(source).startswith(("models:/" + name + "/", "models:/" + name + "@")):
        raise InputError(f"the chosen model has no source MLflow can register as a version of {name!r}.")
    try:
        client.get_registered_model(name)
    except Exception as exc:
        if not is_not_found(exc):
            raise mlflow_error(exc, f"reading registered model {name!r}") from None
        try:
            client.create_registered_model(name)
        except Exception as exc2:
            raise mlflow_error(exc2, f"creating registered model {name!r}") from None
        notes.append(f"registered model {name!r} created")
    # the same model already registered under this name: use that version
    try:
        for mv in client.search_model_versions(versions_filter(name)):
            if str(mv.source) == str(source):
                return str(mv.version), False, notes
    except Exception as exc:
        raise mlflow_error(exc, f"listing the versions of {name!r}") from None
    try:
        extra = {"model_id": info["model_id"]} if info.get("model_id") else {}  # MLflow 3 asks for both
        mv = client.create_model_version(name, source, run_id=info.get("run_id"), await_creation_for=60, **extra)
    except Exception as exc:
        raise mlflow_error(exc, f"registering {source} as a version of {name!r}") from None
    notes.append(f"{source} registered as version {mv.version} of {name!r}")
    return str(mv.version), True, notes


def publish_choice(
    client: Any,
    tracking_uri: str,
    report: Any,
    *,
    target: str,
    alias: str = DEFAULT_ALIAS,
    decision_id: int | None = None,
    entry_hash: str | None = None,
    report_sha256: str | None = None,
    report_html: str | None = None,
    record_json: str | None = None,
) -> Publication:
    """Point ``alias`` of the registered model ``target`` at the chosen candidate's version.

    Parameters
    ----------
    client : MlflowClient
        From :func:`~analysis.tracking.mlflow_client`.
    tracking_uri : str
        The server (for the artifacts' URIs).
    report : Report
        The decision's report (:class:`analysis.report.Report`); its chosen candidate must have
        come from MLflow (its source has an ``mlflow`` entry).
    target : str
        ``models:/NAME``.
    alias : str
        The alias to set (``champion``).
    decision_id, entry_hash, report_sha256 : optional
        The decision log's id, entry hash and report hash, written as tags too.
    report_html, record_json : str, optional
        The report and the decision record, logged as artifacts of the model's run.

    Raises
    ------
    InputError
        When the choice did not come from MLflow, the target or alias is malformed, or MLflow refuses a write.
    """
    name = parse_register_target(target)
    if not _ALIAS.match(alias or "") or alias.lower() == "latest" or re.fullmatch(r"v\d+", alias, re.IGNORECASE):
        raise InputError(
            f"--alias {alias!r} is not an alias MLflow accepts: letters, digits, '_' and '-' (not 'latest' or v<N>).",
            source="--alias",
        )
    info = chosen_mlflow_source(report)
    version, created, notes = _version_for(client, name, info)
    previous = None
    try:
        previous = str(client.get_model_version_by_alias(name, alias).version)
    except Exception as exc:
        if not is_not_found(exc):
            raise mlflow_error(exc, f"reading alias {alias!r} of {name!r}") from None
    try:
        mv = client.get_model_version(name, version)
    except Exception as exc:
        raise mlflow_error(exc, f"reading version {version} of {name!r}") from None
    run_id = mv.run_id or info.get("run_id") or None
    prov = report.provenance or {}
    tags = {
        TAG_RECORD: str(((prov.get("decision") or {}).get("sha256")) or ""),
        TAG_REPORT: str(report_sha256 or ""),
    }
    if decision_id is not None:
        tags[TAG_DECISION] = str(decision_id)
    if entry_hash:
        tags[TAG_ENTRY] = entry_hash
    tags = {k: v for k, v in tags.items() if v}
    artifacts: list[str] = []
    try:
        for key, value in tags.items():
            client.set_model_version_tag(name, version, key, value)
        if run_id and (report_html or record_json):
            folder_name = f"tradeoffs/decision-{decision_id}" if decision_id is not None else "tradeoffs/decision"
            with tempfile.TemporaryDirectory(prefix="tradeoffs-publish-") as folder:
                for file_name, text in (("report.html", report_html), ("decision_record.json", record_json)):
                    if text is None:
                        continue
                    path = Path(folder) / file_name
                    path.write_text(text, encoding="utf-8")
                    client.log_artifact(run_id, str(path), artifact_path=folder_name)
                    artifacts.append(f"runs:/{run_id}/{folder_name}/{file_name}")
        elif not run_id:
            notes.append("the version was not made by a run, so the report was not logged as an artifact")
        client.set_registered_model_alias(name, alias, version)
    except InputError:
        raise
    except Exception as exc:
        raise mlflow_error(exc, f"writing the choice to registered model {name!r} version {version}") from None
    return Publication(
        tracking_uri=display_uri(tracking_uri),
        registered_model=name,
        version=version,
        alias=alias,
        candidate=str(report.chosen),
        previous_version=previous,
        created_version=created,
        tags=tags,
        run_id=run_id,
        artifacts=tuple(artifacts),
        notes=tuple(notes),
    )
