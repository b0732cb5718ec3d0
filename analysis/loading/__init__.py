"""Loading user inputs: datasets, candidate models (safely) and their fingerprints."""

from analysis.loading._datasets import DatasetFingerprint, file_sha256, fingerprint_dataset, load_table, require_columns
from analysis.loading._models import TRUSTED_TYPES, LoadedModel, check_model_interface, describe_model_type, load_model

__all__ = [
    "TRUSTED_TYPES",
    "DatasetFingerprint",
    "LoadedModel",
    "check_model_interface",
    "describe_model_type",
    "file_sha256",
    "fingerprint_dataset",
    "load_model",
    "load_table",
    "require_columns",
]
