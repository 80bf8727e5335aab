"""Which model the export stage exports: the one rule, chosen on validation, shared with evaluate's plots of it.

Free of TensorFlow, so evaluate and export read the same choice from the same files.
"""

from fashion.core import paths
from fashion.core.bounded import read_validation_accuracy
from fashion.core.errors import PipelineError
from fashion.core.params import EXPORT_BEST


def choose_model(choice: str, names, train_metrics_file=paths.train_metrics_file) -> str:
    """The named model, or (`best`) the one whose saved weights have the highest validation accuracy.

    `train_metrics_file(name)` is the path of a model's metrics/train file;
    the test set plays no part in the choice, and nor does a refit model,
    whose validation accuracy is unavailable (null).
    """
    if choice != EXPORT_BEST:
        return choice
    accuracies = {name: read_validation_accuracy(train_metrics_file(name)) for name in names}
    scored = {name: accuracy for name, accuracy in accuracies.items() if accuracy is not None}
    if not scored:
        raise PipelineError(
            f"export.model is {EXPORT_BEST}, but every model was refit and has no validation accuracy to choose by; "
            "name the model to export instead."
        )
    return max(scored, key=scored.get)
