"""params.yaml read once, as DVC reads it, and validated whole into frozen pydantic models.

Every stage calls `load_params`, which checks the whole file: any problem -- a
missing or unknown key, a wrong type, a value out of range, a rule between
keys or sections, a rule of the data -- raises `PipelineError` with one
sentence that names the key and what is allowed, before the stage writes
anything. The stage then reads the sections of the returned `Params`.

One job per module: `base` (what every section shares), `entries` (the
training keys of model entries; each architecture's own keys are its module's
in `fashion.core.architectures`), `sections` (the other sections),
`document` (the whole file and the rules between sections), `data_rules` (the
rules of the dataset and of scikit-learn), `messages` (errors as one line),
`loading` (the YAML reader) and `json_schema` (the editors' schema).
"""

from fashion.core.params.base import Entry, Section
from fashion.core.params.document import ENTRY_SECTIONS, MODEL_SECTIONS, Params, validate_params
from fashion.core.params.entries import LEARNING_RATE_FROM_OWN_SWEEP, PRECISION_AUTO, Augmentation, ModelEntry, Sweep
from fashion.core.params.loading import load_params, read_yaml, yaml_error_line
from fashion.core.params.sections import EXPORT_BEST, STRATEGIES, Baseline, Ensemble, LrFind, Student

__all__ = [
    "ENTRY_SECTIONS",
    "EXPORT_BEST",
    "LEARNING_RATE_FROM_OWN_SWEEP",
    "MODEL_SECTIONS",
    "PRECISION_AUTO",
    "STRATEGIES",
    "Augmentation",
    "Baseline",
    "Ensemble",
    "Entry",
    "LrFind",
    "ModelEntry",
    "Params",
    "Section",
    "Student",
    "Sweep",
    "load_params",
    "read_yaml",
    "validate_params",
    "yaml_error_line",
]
