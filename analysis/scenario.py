"""Dataset cards: a YAML file that says what a dataset's columns mean and which models go with it.

The built-in scenario's card is ``sample_data/card.yaml``. Paths in a card are relative to the
card's folder. Keys: ``name``, ``description``, ``train_file``, ``test_file``, ``id``,
``target``, ``positive_label``, ``time``, ``sensitive`` (list), ``features`` (list),
``value_columns`` (list), ``value_matrix`` (``tp``/``fp``/``fn``/``tn`` expressions),
``models`` (list of ``{name, file, family, description}``), ``seed``, ``join`` (how
prediction files meet the data: ``auto``, ``id`` or ``order``; see
:func:`analysis.loading.join_rows`) and ``incumbent`` (the candidate in production today).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis._errors import InputError


@dataclass(frozen=True)
class DatasetCard:
    """A parsed dataset card."""

    path: Path
    name: str
    target: str
    test_file: str
    train_file: str | None = None
    description: str = ""
    id: str | None = None
    positive_label: Any = None
    time: str | None = None
    sensitive: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    value_columns: tuple[str, ...] = ()
    value_matrix: dict | None = None
    models: tuple[dict, ...] = ()
    join: str | None = None
    incumbent: str | None = None
    profiles: str | None = None
    raw: dict = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        """Folder of the card; its paths are relative to it."""
        return self.path.parent

    @property
    def test_path(self) -> Path:
        """The evaluation data file."""
        return self.folder / self.test_file

    @property
    def train_path(self) -> Path | None:
        """The training data file, if the card names one."""
        return self.folder / self.train_file if self.train_file else None

    @property
    def profiles_path(self) -> Path | None:
        """The card's own stakeholder profiles file, if it names one (``profiles:``)."""
        return self.folder / self.profiles if self.profiles else None

    @property
    def model_paths(self) -> list[Path]:
        """Every candidate model file the card lists."""
        return [self.folder / m["file"] for m in self.models]


def builtin_card_path() -> Path:
    """Where the built-in scenario's card is (inside the installed ``sample_data`` package)."""
    import sample_data

    return Path(sample_data.__file__).resolve().parent / "card.yaml"


def load_card(path: str | Path | None = None) -> DatasetCard:
    """Read a dataset card; ``None`` reads the built-in scenario's."""
    path = Path(path) if path is not None else builtin_card_path()
    if not path.is_file():
        raise InputError(f"dataset card {path} does not exist; check the path.", source=str(path))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"dataset card {path} is not valid YAML: {exc}", source=str(path)) from None
    if not isinstance(raw, dict):
        raise InputError(f"dataset card {path} must be a YAML mapping of keys to values.", source=str(path))
    for key in ("target", "test_file"):
        if key not in raw:
            raise InputError(f"dataset card {path} lacks the required key {key!r}.", source=str(path))
    models = tuple(raw.get("models") or ())
    for i, m in enumerate(models):
        if not isinstance(m, dict) or "file" not in m:
            raise InputError(f"dataset card {path}: models[{i}] needs a 'file' key.", source=str(path))
    from analysis.loading._join import JOINS

    join = raw.get("join")
    if join is not None and join not in JOINS:
        raise InputError(f"dataset card {path}: join {join!r} is not one of {', '.join(JOINS)}.", source=str(path))
    incumbent = raw.get("incumbent")
    if incumbent is not None and not isinstance(incumbent, str):
        raise InputError(
            f"dataset card {path}: incumbent must be a candidate's name, not {incumbent!r}.", source=str(path)
        )
    profiles = raw.get("profiles")
    if profiles is not None and not isinstance(profiles, str):
        raise InputError(
            f"dataset card {path}: profiles must be a profile file's path, not {profiles!r}.", source=str(path)
        )
    return DatasetCard(
        path=path,
        name=str(raw.get("name", path.stem)),
        description=str(raw.get("description", "")),
        target=str(raw["target"]),
        test_file=str(raw["test_file"]),
        train_file=raw.get("train_file"),
        id=raw.get("id"),
        positive_label=raw.get("positive_label"),
        time=raw.get("time"),
        sensitive=tuple(raw.get("sensitive") or ()),
        features=tuple(raw.get("features") or ()),
        value_columns=tuple(raw.get("value_columns") or ()),
        value_matrix=dict(raw["value_matrix"]) if raw.get("value_matrix") else None,
        models=models,
        join=join,
        incumbent=incumbent,
        profiles=profiles,
        raw=raw,
    )


def load_card_profiles(card: DatasetCard):
    """The card's stakeholder profiles (``profiles:``), or the generic default roles when it names none."""
    from analysis.decision import default_profiles, load_profiles

    return load_profiles(card.profiles_path) if card.profiles_path is not None else default_profiles()


def load_card_data(card: DatasetCard):
    """The card's checked evaluation data (``EvalData``) and its candidate models, loaded safely.

    What ``tradeoffs evaluate --card`` evaluates, for callers that take a card as it is (the
    dashboard, benchmarks).
    """
    from analysis.evaluation import ValueSpec, prepare_data
    from analysis.loading import fingerprint_dataset, load_model, load_table

    frame = load_table(card.test_path)
    data = prepare_data(
        frame,
        source=str(card.test_path),
        target=card.target,
        positive_label=card.positive_label,
        sensitive=card.sensitive,
        time=card.time,
        id_column=card.id,
        value=ValueSpec(tuple(card.value_columns), dict(card.value_matrix) if card.value_matrix else None),
        fingerprint=fingerprint_dataset(card.test_path, frame),
    )
    models = [load_model(p) for p in card.model_paths]
    return data, models


def load_card_train_frame(card: DatasetCard):
    """The card's training-period rows (time column parsed), or ``None`` when it names none."""
    if card.train_path is None:
        return None
    import pandas as pd

    from analysis.loading import load_table

    frame = load_table(card.train_path, what="training data file")
    if card.time and card.time in frame.columns:
        frame[card.time] = pd.to_datetime(frame[card.time], format="mixed")
    return frame
