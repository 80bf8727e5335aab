"""Read `params.yaml` once and validate it into typed, frozen objects.

Every stage calls `load_params`, which checks the whole file, and then the
`parse_*` function of each section it uses. Any problem -- a missing or unknown key, a wrong type, a value
out of range -- raises `PipelineError` with one sentence that names the key
and what is allowed, before the stage writes anything. Unknown keys are
rejected because `dvc exp run -S` silently adds a misspelled key and would
otherwise train with the default.

The package, one job per module: `schema` declares every key once, `records`
holds the objects the parsers return, `checks` checks single values,
`model_entries` and `sections` parse the sections, and `loading` reads the
file and checks all of it. The names below are what the rest of the code uses.
"""

from fashion.core.params.loading import check_params, load_params, yaml_error_line
from fashion.core.params.model_entries import (
    check_batch_size,
    model_entry_location,
    model_names,
    parse_model,
    parse_models,
)
from fashion.core.params.records import (
    Augmentation,
    BaselineParams,
    DistributeParams,
    DownloadParams,
    EnsembleParams,
    EvaluateParams,
    ExportParams,
    LrFindParams,
    ModelParams,
    NormalizeParams,
    StudentParams,
    SweepParams,
)
from fashion.core.params.schema import (
    ACTIVATIONS,
    ARCHITECTURES,
    EXPORT_BEST,
    GLOBAL_POOLINGS,
    INPUT_SCALINGS,
    LEARNING_RATE_FROM_LR_FIND,
    LEARNING_RATE_FROM_OWN_SWEEP,
    MIRROR_SCHEMES,
    MODEL_KEYS,
    MODEL_KEYS_BY_NAME,
    OPTIMIZERS,
    POOLINGS,
    PRECISION_AUTO,
    PRECISIONS,
    REQUIRED,
    SCHEDULES,
    SECTION_KEYS,
    STRATEGIES,
    STUDY_OPTIMIZERS,
    Key,
    known_architectures,
    model_keys,
)
from fashion.core.params.sections import (
    baseline_names,
    parse_baseline,
    parse_baselines,
    parse_checksums,
    parse_distribute,
    parse_download,
    parse_ensembles,
    parse_evaluate,
    parse_export,
    parse_lr_find,
    parse_normalize,
    parse_students,
    student_names,
)

__all__ = [
    "ACTIVATIONS",
    "ARCHITECTURES",
    "EXPORT_BEST",
    "GLOBAL_POOLINGS",
    "INPUT_SCALINGS",
    "LEARNING_RATE_FROM_LR_FIND",
    "LEARNING_RATE_FROM_OWN_SWEEP",
    "MIRROR_SCHEMES",
    "MODEL_KEYS",
    "MODEL_KEYS_BY_NAME",
    "OPTIMIZERS",
    "POOLINGS",
    "PRECISIONS",
    "PRECISION_AUTO",
    "REQUIRED",
    "SCHEDULES",
    "SECTION_KEYS",
    "STRATEGIES",
    "STUDY_OPTIMIZERS",
    "Augmentation",
    "BaselineParams",
    "DistributeParams",
    "DownloadParams",
    "EnsembleParams",
    "EvaluateParams",
    "ExportParams",
    "Key",
    "LrFindParams",
    "ModelParams",
    "NormalizeParams",
    "StudentParams",
    "SweepParams",
    "baseline_names",
    "check_batch_size",
    "check_params",
    "known_architectures",
    "load_params",
    "model_entry_location",
    "model_keys",
    "model_names",
    "parse_baseline",
    "parse_baselines",
    "parse_checksums",
    "parse_distribute",
    "parse_download",
    "parse_ensembles",
    "parse_evaluate",
    "parse_export",
    "parse_lr_find",
    "parse_model",
    "parse_models",
    "parse_normalize",
    "parse_students",
    "student_names",
    "yaml_error_line",
]
