"""Stage ensemble: average the probabilities of trained models, as params.yaml's `ensembles:` names.

Each ensemble is saved as one Keras model (`ensembles/<name>.keras`) and scored
here on the validation split only (`metrics/ensemble/<name>.json`); evaluate
scores it on the test set like any model. Its cost is the sum of its members'
(forward FLOPs twice that with flip test-time augmentation).
"""

import sys

import numpy as np

from fashion.core import paths
from fashion.core.atomic import check_writable, write_json
from fashion.core.cli import stage_entry_point
from fashion.core.dataset import INFERENCE_BATCH_SIZE
from fashion.core.params import load_params, parse_ensembles, parse_models
from fashion.data.arrays import load_split
from fashion.evaluation.scores import cross_entropy


@stage_entry_point("ensemble")
def main(argv=None) -> str:
    raw = load_params(paths.PARAMS_FILE)
    parse_models(raw)
    ensembles = parse_ensembles(raw)
    for name in ensembles:
        check_writable((paths.ensemble_file(name), paths.ensemble_metrics_file(name)))
    validation_images, validation_labels = load_split(paths.PROCESSED_DIR, "validation")

    from fashion.models.cost import forward_flops
    from fashion.models.ensemble import build_ensemble
    from fashion.models.saving import load_trained_model, save_model

    paths.ENSEMBLES_DIR.mkdir(exist_ok=True)  # DVC's output, even when params.yaml names no ensemble
    summaries = []
    for name, params in ensembles.items():
        members = [load_trained_model(paths.model_file(member)) for member in params.members]
        ensemble = build_ensemble(members, params.flip_test_time_augmentation, name)
        probabilities = ensemble.predict(validation_images, batch_size=INFERENCE_BATCH_SIZE, verbose=0)
        accuracy = float(np.mean(probabilities.argmax(axis=1) == validation_labels))
        save_model(ensemble, paths.ensemble_file(name))
        views = 2 if params.flip_test_time_augmentation else 1
        write_json(
            paths.ensemble_metrics_file(name),
            {
                "validation_accuracy": accuracy,
                "validation_loss": cross_entropy(validation_labels, probabilities),
                "members": len(params.members),
                "parameters": sum(member.count_params() for member in members),
                "forward_flops_per_image": views * sum(forward_flops(member) for member in members),
            },
        )
        summaries.append(f"{name} {accuracy:.4f}")
    return f"validation accuracy: {', '.join(summaries) or 'no ensembles in params.yaml'}"


if __name__ == "__main__":
    sys.exit(main())
