"""Every path the pipeline reads or writes, declared once.

`dvc.yaml` names the same paths; `tests/test_dvc_yaml.py` checks that the two
agree, so a rename here that is not made there fails the test suite.
All paths are relative to the repository root, where DVC runs each stage.
"""

from pathlib import Path

PARAMS_FILE = Path("params.yaml")

RAW_DIR = Path("data/raw")
PROCESSED_DIR = Path("data/processed")
MODELS_DIR = Path("models")
ENSEMBLES_DIR = Path("ensembles")
# Distilled students, apart from models/: ensemble reads models/, and a student learns from an ensemble.
# The folder is in git (students/.gitkeep), so evaluate and export can depend on it with no student.
STUDENTS_DIR = Path("students")
# Backbone weights files fetched by pretrained@<name>, one per entry of pretrained_weights:.
PRETRAINED_DIR = Path("pretrained")
# Apart from models/ and metrics/train/, which ensemble and export read: a new baseline re-runs neither.
BASELINES_DIR = Path("baselines")
METRICS_DIR = Path("metrics")
PLOTS_DIR = Path("plots")

DATA_METRICS_DIR = METRICS_DIR / "data"
LR_FIND_METRICS_FILE = METRICS_DIR / "lr_find.json"
TRAIN_METRICS_DIR = METRICS_DIR / "train"
TEST_METRICS_DIR = METRICS_DIR / "test"
COST_METRICS_DIR = METRICS_DIR / "cost"
ENSEMBLE_METRICS_DIR = METRICS_DIR / "ensemble"
SUMMARY_METRICS_DIR = METRICS_DIR / "summary"
BASELINE_METRICS_DIR = METRICS_DIR / "baselines"

LR_FIND_PLOT_FILE = PLOTS_DIR / "lr_find.csv"
HISTORY_DIR = PLOTS_DIR / "history"
SWEEP_DIR = PLOTS_DIR / "sweep"
LEARNING_CURVES_FILE = PLOTS_DIR / "learning_curves.csv"
# The exported model's confusion counts and prediction grid; every model's per-class scores.
CONFUSION_FILE = PLOTS_DIR / "confusion.csv"
PREDICTIONS_FIGURE_FILE = PLOTS_DIR / "predictions.png"
PER_CLASS_FILE = PLOTS_DIR / "per_class.csv"

LIVE_DIR = Path("live")
# Wall-clock times of the last run of each train stage on this machine. Not a DVC
# output and ignored by git: they differ on every run, and as outputs they would
# make DVC record a change for a bit-identical result. bench/run.py collects them.
TIMINGS_DIR = Path("timings")
EXPORT_DIR = Path("export")
SAVED_MODEL_DIR = EXPORT_DIR / "saved_model"
TFLITE_FILE = EXPORT_DIR / "model.tflite"
EXPORT_METRICS_FILE = METRICS_DIR / "export.json"


def model_file(model_name: str) -> Path:
    """Where the train stage saves the Keras model called `model_name`."""
    return MODELS_DIR / f"{model_name}.keras"


def pretrained_file(name: str) -> Path:
    """The weights file pretrained@<name> fetched (Keras's legacy HDF5 weights format)."""
    return PRETRAINED_DIR / f"{name}.h5"


def student_file(student_name: str) -> Path:
    """Where the distill stage saves the student called `student_name`."""
    return STUDENTS_DIR / f"{student_name}.keras"


def baseline_file(baseline_name: str) -> Path:
    """Where the baseline stage saves the fitted scikit-learn classifier called `baseline_name` (skops format)."""
    return BASELINES_DIR / f"{baseline_name}.skops"


def baseline_metrics_file(baseline_name: str) -> Path:
    """Validation accuracy and stored size of one baseline."""
    return BASELINE_METRICS_DIR / f"{baseline_name}.json"


def summary_metrics_file(name: str) -> Path:
    """The few numbers `dvc exp show` shows for one model, baseline or ensemble (written by evaluate)."""
    return SUMMARY_METRICS_DIR / f"{name}.json"


def ensemble_file(ensemble_name: str) -> Path:
    """Where the ensemble stage saves the ensemble called `ensemble_name`."""
    return ENSEMBLES_DIR / f"{ensemble_name}.keras"


def data_metrics_file(split: str) -> Path:
    """Images per class in one split (train, validation or test): one row of `dvc metrics show`."""
    return DATA_METRICS_DIR / f"{split}.json"


def live_dir(model_name: str) -> Path:
    """dvclive's per-epoch log of one model (metrics.json and plots/)."""
    return LIVE_DIR / model_name


def history_file(model_name: str) -> Path:
    """The per-epoch training history of one model, a DVC plot file."""
    return HISTORY_DIR / f"{model_name}.csv"


def train_metrics_file(model_name: str) -> Path:
    """Final training and validation metrics of one model."""
    return TRAIN_METRICS_DIR / f"{model_name}.json"


def test_metrics_file(model_name: str) -> Path:
    """Test-set metrics of one model, written by evaluate alone."""
    return TEST_METRICS_DIR / f"{model_name}.json"


def cost_metrics_file(model_name: str) -> Path:
    """Parameters, FLOPs and the precision one model trained in (no times: see `timing_file`)."""
    return COST_METRICS_DIR / f"{model_name}.json"


def timing_file(model_name: str) -> Path:
    """Measured training, data-load and import seconds of one model's last train stage run here."""
    return TIMINGS_DIR / f"{model_name}.json"


def sweep_file(model_name: str) -> Path:
    """The fast learning-rate sweep of a model with `learning_rate: sweep` (only a header otherwise)."""
    return SWEEP_DIR / f"{model_name}.csv"


def ensemble_metrics_file(ensemble_name: str) -> Path:
    """Validation accuracy and cost of one ensemble."""
    return ENSEMBLE_METRICS_DIR / f"{ensemble_name}.json"


def train_outputs(model_name: str) -> tuple[Path, ...]:
    """Every file the train stage writes for one model (dvc.yaml's outs of train@<model>, and its timings)."""
    return (
        model_file(model_name), history_file(model_name), train_metrics_file(model_name),
        cost_metrics_file(model_name), sweep_file(model_name), timing_file(model_name),
        live_dir(model_name) / "metrics.json",
    )  # fmt: skip


def student_outputs(student_name: str) -> tuple[Path, ...]:
    """Every file distill@<student> writes: a train stage's outputs, the model under students/."""
    return (student_file(student_name), *train_outputs(student_name)[1:])


def scored_files(models, baselines, ensembles, students=()) -> dict[str, tuple[Path, Path]]:
    """What evaluate scores: each name -> (its saved model, the file holding its validation accuracy)."""
    return (
        {name: (model_file(name), train_metrics_file(name)) for name in models}
        | {name: (student_file(name), train_metrics_file(name)) for name in students}
        | {name: (baseline_file(name), baseline_metrics_file(name)) for name in baselines}
        | {name: (ensemble_file(name), ensemble_metrics_file(name)) for name in ensembles}
    )
