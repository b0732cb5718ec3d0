"""Loading user inputs: datasets, candidate models (safely), their fingerprints, and joining prediction files."""

from analysis.loading._datasets import DatasetFingerprint, file_sha256, fingerprint_dataset, load_table, require_columns
from analysis.loading._join import JOINS, Alignment, check_join, join_rows, looks_like_id
from analysis.loading._models import TRUSTED_TYPES, LoadedModel, check_model_interface, describe_model_type, load_model

__all__ = [
    "JOINS",
    "TRUSTED_TYPES",
    "Alignment",
    "DatasetFingerprint",
    "LoadedModel",
    "check_join",
    "check_model_interface",
    "describe_model_type",
    "file_sha256",
    "fingerprint_dataset",
    "join_rows",
    "load_model",
    "load_table",
    "looks_like_id",
    "require_columns",
]
