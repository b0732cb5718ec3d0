"""Dataset cards: a YAML file that says what a dataset's columns mean and which models go with it.

The built-in scenario's card is ``sample_data/card.yaml``. Paths in a card are relative to the
card's folder. Keys: ``name``, ``description``, ``train_file``, ``test_file``, ``id``,
``target``, ``positive_label``, ``time``, ``sensitive`` (list), ``features`` (list),
``value_columns`` (list), ``value_matrix`` (``tp``/``fp``/``fn``/``tn`` expressions),
``models`` (list of ``{name, file, family, description}``), ``seed``, ``join`` (how
prediction files meet the data: ``auto``, ``id`` or ``order``; see
:func:`analysis.loading.join_rows`), ``incumbent`` (the candidate in production today) and
``operating_points`` (rules for ``tradeoffs evaluate --operating-points``, text or a list).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis._errors import InputError
from analysis.scorecard import short_repr


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
    #: Operating-point rules for ``tradeoffs evaluate`` (``"value,dp"``), as ``--operating-points`` takes them.
    operating_points: str | None = None
    raw: dict = field(default_factory=dict)
    #: ``(name, reason)`` of the models left out because a module their ``requires:`` names is not installed.
    skipped: tuple[tuple[str, str], ...] = ()

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


_TEXT_KEYS = ("target", "test_file", "train_file", "id", "time", "join", "incumbent", "profiles")
_PATH_KEYS = ("test_file", "train_file", "profiles")
#: Longest column name or value expression a card may hold (messages quote them whole).
MAX_CARD_NAME_CHARS = 200
_MAX_PATH_PART_BYTES = 255  # a file name longer than this cannot exist on common file systems
_LIST_KEYS = ("sensitive", "features", "value_columns")
_MODEL_KEYS = ("name", "file", "family", "description", "requires")
_OUTCOMES = ("tp", "fp", "fn", "tn")


def _card_error(path: Path, message: str) -> InputError:
    return InputError(f"dataset card {path}: {message}", source=str(path))


#: A dataset card is a few kB of YAML; anything past this is not one (and would take long to read).
MAX_CARD_BYTES = 1 << 20
#: libyaml's parser when PyYAML has it: the pure-Python one takes seconds on a hostile file.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_card_yaml(path: Path) -> Any:
    size = path.stat().st_size
    if size > MAX_CARD_BYTES:
        raise InputError(
            f"dataset card {path} is {size / 2**20:.1f} MiB, more than a card's limit of {MAX_CARD_BYTES // 2**20} "
            "MiB; pass the card (a few kB of YAML naming the data and model files), not the data.",
            source=str(path),
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"dataset card {path} is not UTF-8 text; save it as UTF-8.", source=str(path)) from None
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
    except RecursionError:
        raise InputError(
            f"dataset card {path} is nested too deeply to read; see sample_data/card.yaml.", source=str(path)
        ) from None
    except ValueError as exc:  # PyYAML's int() on a number of more than 4,300 digits
        raise InputError(
            f"dataset card {path} holds a value YAML cannot read ({str(exc)[:80]}); fix it.", source=str(path)
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = " ".join((getattr(exc, "problem", None) or str(exc)).split())[:200]  # one line
        if "maximum nesting depth" in problem:  # PyYAML 6.0.4's own depth limit (older ones: RecursionError)
            raise InputError(
                f"dataset card {path} is nested too deeply to read; see sample_data/card.yaml.", source=str(path)
            ) from None
        raise InputError(
            f"dataset card {path} is not valid YAML{where}: {problem}; fix the syntax.", source=str(path)
        ) from None


def _check_lengths(path: Path, raw: dict) -> None:
    """Refuse names and expressions too long to be real, and file names no file system allows."""
    names = [(key, raw.get(key)) for key in ("target", "id", "time", "incumbent")]
    for key in _LIST_KEYS:
        value = raw.get(key)
        names += [(key, v) for v in ([value] if isinstance(value, str) else value or ())]
    names += [(f"value_matrix {k}", v) for k, v in (raw.get("value_matrix") or {}).items()]
    names += [(f"models[{i}].name", m.get("name")) for i, m in enumerate(raw.get("models") or ())]
    for key, value in names:
        if isinstance(value, str) and len(value) > MAX_CARD_NAME_CHARS:
            raise _card_error(
                path, f"{key} is {len(value):,} characters long (at most {MAX_CARD_NAME_CHARS}); check the card."
            )
    files = [(key, raw.get(key)) for key in _PATH_KEYS]
    files += [(f"models[{i}].file", m.get("file")) for i, m in enumerate(raw.get("models") or ())]
    for key, value in files:
        if isinstance(value, str) and any(len(part.encode()) > _MAX_PATH_PART_BYTES for part in Path(value).parts):
            raise _card_error(path, f"{key} has a file name longer than {_MAX_PATH_PART_BYTES} bytes; check the path.")


def _check_card(path: Path, raw: dict) -> None:
    """Refuse a card whose values have the wrong types or lengths, naming the key (InputError)."""
    for key in ("target", "test_file"):
        if key not in raw:
            raise InputError(f"dataset card {path} lacks the required key {short_repr(key)}.", source=str(path))
    for key in _TEXT_KEYS:
        value = raw.get(key)
        if key in raw and value is not None and (not isinstance(value, (str, int)) or isinstance(value, bool)):
            raise _card_error(path, f"{key} must be text, not {short_repr(value)}.")
        if key in ("target", "test_file") and not str(value).strip():
            raise _card_error(path, f"{key} must not be empty.")
    for key in ("name", "description"):
        if isinstance(raw.get(key), (list, dict)):
            raise _card_error(path, f"{key} must be text, not {short_repr(raw[key])}.")
    label = raw.get("positive_label")
    if isinstance(label, (list, dict)) or (isinstance(label, float) and label != label):
        raise _card_error(path, f"positive_label must be one value of the target, not {short_repr(label)}.")
    for key in _LIST_KEYS:
        value = raw.get(key)
        items = [value] if isinstance(value, str) else value
        if value is not None and not (
            isinstance(items, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in items)
        ):
            raise _card_error(path, f"{key} must be a list of column names, not {short_repr(value)}.")
        twice = sorted(str(v) for v, n in Counter(items).items() if n > 1) if isinstance(items, list) else []
        if twice:
            raise _card_error(path, f"{key} lists {short_repr(twice[0])} more than once; keep one.")
    matrix = raw.get("value_matrix")
    if matrix is not None and matrix != {}:
        if not isinstance(matrix, dict):
            raise _card_error(
                path, f"value_matrix must map {', '.join(_OUTCOMES)} to values, not {short_repr(matrix)}."
            )
        for outcome, expr in matrix.items():
            if outcome not in _OUTCOMES:
                raise _card_error(path, f"value_matrix has {short_repr(outcome)}; its keys are {', '.join(_OUTCOMES)}.")
            if isinstance(expr, bool) or not isinstance(expr, (str, int, float)):
                raise _card_error(
                    path, f"value_matrix {outcome} must be a number or an expression, not {short_repr(expr)}."
                )
    models = raw.get("models")
    if models is not None and not isinstance(models, list):
        raise _card_error(path, f"models must be a list of {{name, file}} entries, not {short_repr(models)}.")
    for i, m in enumerate(models or ()):
        if not isinstance(m, dict) or "file" not in m:
            raise InputError(f"dataset card {path}: models[{i}] needs a 'file' key.", source=str(path))
        for key in _MODEL_KEYS:
            if key in m and not isinstance(m[key], str):
                raise _card_error(path, f"models[{i}].{key} must be text, not {short_repr(m[key])}.")
        if not m["file"].strip():
            raise _card_error(path, f"models[{i}].file must not be empty.")
    _check_lengths(path, raw)


def load_card(path: str | Path | None = None) -> DatasetCard:
    """Read a dataset card; ``None`` reads the built-in scenario's.

    Raises
    ------
    InputError
        Naming the card and the key when the file is missing, not UTF-8 YAML, or a value has the
        wrong type (a path or column that is not text, a list that is not a list of names...).
    """
    path = Path(path) if path is not None else builtin_card_path()
    if not path.is_file():
        raise InputError(f"dataset card {path} does not exist; check the path.", source=str(path))
    raw = _read_card_yaml(path)
    if not isinstance(raw, dict):
        raise InputError(f"dataset card {path} must be a YAML mapping of keys to values.", source=str(path))
    _check_card(path, raw)
    from analysis.loading._join import JOINS

    join = raw.get("join")
    if join is not None and join not in JOINS:
        raise InputError(
            f"dataset card {path}: join {short_repr(join)} is not one of {', '.join(JOINS)}.", source=str(path)
        )
    incumbent = raw.get("incumbent")
    if incumbent is not None and not isinstance(incumbent, str):
        raise InputError(
            f"dataset card {path}: incumbent must be a candidate's name, not {short_repr(incumbent)}.", source=str(path)
        )
    operating_points = raw.get("operating_points")
    if isinstance(operating_points, list) and all(isinstance(r, str) for r in operating_points):
        operating_points = ",".join(operating_points)
    if operating_points is not None and not isinstance(operating_points, str):
        raise InputError(
            f"dataset card {path}: operating_points must be rules like 'value, recall>=0.8, dp' (text or a list "
            f"of text), not {short_repr(operating_points)}.",
            source=str(path),
        )
    profiles = raw.get("profiles")
    if profiles is not None and not isinstance(profiles, str):
        raise InputError(
            f"dataset card {path}: profiles must be a profile file's path, not {short_repr(profiles)}.",
            source=str(path),
        )

    def text(key: str) -> str | None:
        value = raw.get(key)
        return None if value is None else str(value)

    def names(key: str) -> tuple[str, ...]:
        value = raw.get(key) or ()
        return (value,) if isinstance(value, str) else tuple(str(v) for v in value)

    models, skipped = _installed_models(raw.get("models") or ())

    return DatasetCard(
        path=path,
        name=str(raw.get("name", path.stem)),
        description=str(raw.get("description", "")),
        target=str(raw["target"]),
        test_file=str(raw["test_file"]),
        train_file=text("train_file"),
        id=text("id"),
        positive_label=raw.get("positive_label"),
        time=text("time"),
        sensitive=names("sensitive"),
        features=names("features"),
        value_columns=names("value_columns"),
        value_matrix=dict(raw["value_matrix"]) if raw.get("value_matrix") else None,
        models=models,
        join=join,
        incumbent=incumbent,
        profiles=profiles,
        operating_points=operating_points,
        raw=raw,
        skipped=skipped,
    )


#: What to install for a module a card's model ``requires:`` (else ``pip install MODULE``).
_EXTRAS = {"xgboost": "tradeoffs[boosting]", "lightgbm": "tradeoffs[boosting]", "catboost": "tradeoffs[boosting]"}


def _installed_models(models) -> tuple[tuple[dict, ...], tuple[tuple[str, str], ...]]:
    """The card's models whose ``requires:`` module is installed, and why the others are left out.

    A card may list models saved by an optional library (``requires: xgboost``): without that
    library they are left out, with a reason, instead of failing the whole evaluation.
    """
    import importlib.util

    kept, skipped = [], []
    for m in models:
        module = m.get("requires")
        if module and importlib.util.find_spec(module) is None:
            name = m.get("name") or Path(m["file"]).stem
            skipped.append(
                (name, f"it needs {module}, which is not installed (pip install '{_EXTRAS.get(module, module)}')")
            )
            continue
        kept.append(m)
    return tuple(kept), tuple(skipped)


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
