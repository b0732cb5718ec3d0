"""Loading user inputs: datasets, candidate models (safely, within size limits), fingerprints, prediction joins."""

from analysis.loading._boosting import (
    BOOSTING_LIBRARIES,
    BOOSTING_SUFFIXES,
    BoosterModel,
    boosting_library,
    load_booster,
)
from analysis.loading._datasets import (
    DatasetFingerprint,
    check_table_file,
    file_sha256,
    fingerprint_dataset,
    is_partitioned_source,
    load_parquet_footer,
    load_table,
    parquet_columns,
    require_columns,
)
from analysis.loading._join import JOINS, Alignment, check_join, join_rows, looks_like_id
from analysis.loading._limits import (
    DEFAULT_LIMITS,
    Limits,
    check_parquet_footer,
    check_parquet_row_groups,
    check_parquet_values,
    check_zip_archive,
)
from analysis.loading._models import (
    TRUSTED_TYPES,
    LoadedModel,
    check_model_file,
    check_model_interface,
    describe_model_type,
    load_model,
)

__all__ = [
    "BOOSTING_LIBRARIES",
    "BOOSTING_SUFFIXES",
    "DEFAULT_LIMITS",
    "JOINS",
    "TRUSTED_TYPES",
    "Alignment",
    "BoosterModel",
    "DatasetFingerprint",
    "Limits",
    "LoadedModel",
    "boosting_library",
    "check_join",
    "check_model_file",
    "check_model_interface",
    "check_parquet_footer",
    "check_parquet_row_groups",
    "check_parquet_values",
    "check_table_file",
    "check_zip_archive",
    "describe_model_type",
    "file_sha256",
    "fingerprint_dataset",
    "is_partitioned_source",
    "join_rows",
    "load_booster",
    "load_model",
    "load_parquet_footer",
    "load_table",
    "looks_like_id",
    "parquet_columns",
    "require_columns",
]
