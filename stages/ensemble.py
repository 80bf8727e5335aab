"""Stage ensemble: average the probabilities of trained models, as params.yaml's `ensembles:` names or chooses.

Each ensemble is chosen (`selection: greedy`) and scored here on the
validation split only -- this stage never opens the test split -- and saved
as one Keras model (`ensembles/<name>.keras`), with every candidate's score and
the choice in `metrics/ensemble/<name>.json`; evaluate scores it on the test set
like any model and copies the choice into its summary.
"""

from fashion.core import paths
from fashion.core.atomic import check_writable, write_json
from fashion.core.cli import stage_entry_point
from fashion.core.interrupts import exit_with
from fashion.core.params import load_params
from fashion.data.arrays import load_split


@stage_entry_point("ensemble")
def main(argv=None) -> str:
    settings = load_params(paths.PARAMS_FILE)
    models, ensembles = settings.trained_models, settings.ensembles
    for name in ensembles:
        check_writable((paths.ensemble_file(name), paths.ensemble_metrics_file(name)))
    validation = load_split(paths.PROCESSED_DIR, "validation")

    from fashion.evaluation.ensembles import assemble_ensemble  # TensorFlow loads only now
    from fashion.models.saving import load_trained_model, save_model

    for directory in (paths.ENSEMBLES_DIR, paths.ENSEMBLE_METRICS_DIR):  # DVC's outputs, even with no ensemble
        directory.mkdir(parents=True, exist_ok=True)
    summaries = []
    for name, params in ensembles.items():
        members = [load_trained_model(paths.model_file(member)) for member in params.members]
        augmentations = [models[member].augmentation for member in params.members]
        ensemble, metrics = assemble_ensemble(params, members, augmentations, validation)
        save_model(ensemble, paths.ensemble_file(name))
        write_json(paths.ensemble_metrics_file(name), metrics)
        summaries.append(f"{name} {metrics['validation_accuracy']:.4f}")
    return f"validation accuracy: {', '.join(summaries) or 'no ensembles in params.yaml'}"


if __name__ == "__main__":
    exit_with(main())
