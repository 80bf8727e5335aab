"""Export for serving, and tf.distribute strategies."""

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import yaml
from synthetic import REPOSITORY_ROOT, write_params

from fashion.core import paths
from fashion.core.errors import PipelineError
from fashion.core.tensorflow_setup import tf
from fashion.data.arrays import load_split
from fashion.evaluation.choice import choose_model
from fashion.models.saving import load_trained_model
from fashion.serving.export import saved_model_predict, tflite_predict
from fashion.training.distribute import is_chief, make_strategy, resolve_strategy_name, unused_gpu_note
from stages import export, train


def test_export_matches_the_keras_model_on_test_images(processed_project):
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["export"]["model"] = "model_1"
    write_params(processed_project, params)
    assert train.main(["--model", "model_1"]) == 0

    assert export.main([]) == 0

    report = json.loads(paths.EXPORT_METRICS_FILE.read_text())
    assert report["model"] == "model_1"
    # The exports' agreement is a check (the stage fails below 1.0), not a metric.
    assert set(report) == {"model", "tflite_bytes", "trained_model_agreement"}
    test_images, _ = load_split(paths.PROCESSED_DIR, "test")
    keras_probabilities = load_trained_model(paths.model_file("model_1")).predict(test_images, verbose=0)
    saved_model_probabilities = saved_model_predict(paths.SAVED_MODEL_DIR, test_images)
    tflite_probabilities = tflite_predict(paths.TFLITE_FILE.read_bytes(), test_images)
    np.testing.assert_array_equal(saved_model_probabilities.argmax(axis=1), keras_probabilities.argmax(axis=1))
    np.testing.assert_array_equal(tflite_probabilities.argmax(axis=1), keras_probabilities.argmax(axis=1))
    np.testing.assert_allclose(tflite_probabilities, keras_probabilities, atol=1e-5)

    # Batched serving (which keeps export's memory down) returns every image, in order,
    # as one call on all of them would; 7 does not divide the test set's size.
    assert len(test_images) % 7 != 0
    loaded = tf.saved_model.load(str(paths.SAVED_MODEL_DIR))
    one_call = np.asarray(loaded.serve(test_images))
    np.testing.assert_allclose(
        saved_model_predict(paths.SAVED_MODEL_DIR, test_images, batch_size=7), one_call, atol=1e-6
    )


def test_best_means_the_highest_validation_accuracy(project):
    for name, accuracy in (("model_1", 0.7), ("model_2", 0.9), ("model_4", 0.8)):
        paths.train_metrics_file(name).parent.mkdir(parents=True, exist_ok=True)
        paths.train_metrics_file(name).write_text(json.dumps({"validation_accuracy": accuracy}))
    assert choose_model("best", ["model_1", "model_2", "model_4"], paths.train_metrics_file) == "model_2"
    assert choose_model("model_1", ["model_1", "model_2"], paths.train_metrics_file) == "model_1"
    with pytest.raises(PipelineError, match=r"model_9\.json is missing\. Run `dvc repro` to train it first"):
        choose_model("best", ["model_1", "model_9"], paths.train_metrics_file)


def test_one_device_is_the_default_strategy():
    assert make_strategy("one_device").num_replicas_in_sync == 1


def test_multi_worker_without_tf_config_says_what_to_set(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(PipelineError, match="TF_CONFIG is not set"):
        make_strategy("multi_worker")


@pytest.mark.parametrize(
    ("tf_config", "chief"),
    [
        (None, True),
        ('{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 0}}', True),
        ('{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 1}}', False),
        ('{"cluster": {"chief": ["c:1"], "worker": ["a:1"]}, "task": {"type": "worker", "index": 0}}', False),
        ('{"cluster": {"chief": ["c:1"], "worker": ["a:1"]}, "task": {"type": "chief", "index": 0}}', True),
    ],
)
def test_only_the_chief_writes(tf_config, chief):
    assert is_chief(tf_config) is chief


def test_mirrored_without_a_gpu_says_so_and_trains_on_one_device():
    assert resolve_strategy_name("mirrored", gpus=1, logical_cpus=1) == ("mirrored", None)
    assert resolve_strategy_name("mirrored", gpus=0, logical_cpus=2) == ("mirrored", None)
    name, note = resolve_strategy_name("mirrored", gpus=0, logical_cpus=1)
    assert name == "one_device" and "no GPU is visible" in note
    assert resolve_strategy_name("multi_worker", gpus=0, logical_cpus=1) == ("multi_worker", None)


def test_a_gpu_the_driver_lists_but_tensorflow_cannot_see_gets_one_line(tmp_path):
    driver = tmp_path / "gpus"
    assert unused_gpu_note(0, driver) is None  # no NVIDIA driver: nothing to say
    driver.mkdir()
    assert unused_gpu_note(0, driver) is None  # a driver with no GPU
    (driver / "0000:01:00.0").mkdir()
    note = unused_gpu_note(0, driver)
    assert "1 NVIDIA GPU(s) present but TensorFlow sees none" in note and "make setup-gpu" in note
    assert "\n" not in note
    assert unused_gpu_note(1, driver) is None  # TensorFlow uses it


def test_the_readmes_gpu_command_trains_a_sweeping_model_on_a_cpu(processed_project, capsys):
    """`dvc exp run -S distribute.strategy=mirrored`: a sweeping entry (docs/models.md's) trains; no GPU is said."""
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["distribute"]["strategy"] = "mirrored"
    write_params(processed_project, params)
    assert train.main(["--model", "cnn_sweep"]) == 0
    output = capsys.readouterr().out
    assert "distribute.strategy is mirrored but no GPU is visible" in output
    assert json.loads(paths.train_metrics_file("cnn_sweep").read_text())["replicas"] == 1


MIRRORED_TRAINING = textwrap.dedent(
    """
    import json, sys
    from fashion.core.tensorflow_setup import tf, make_deterministic
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from synthetic import make_images
    from fashion.training.distribute import make_strategy, steps_per_execution
    from fashion.core.architectures.dense import build_dense_model
    from fashion.training.optimization import compile_classifier
    from fashion.training.fit import fit
    from fashion.data.input_pipeline import make_datasets

    make_deterministic(0)
    images, labels = make_images(per_class=40, seed=0)
    images = images.astype("float32") / 255.0
    strategy = make_strategy("mirrored")
    with strategy.scope():
        model = build_dense_model((16,), "relu", "unit", 28, 10)
        compile_classifier(model, "adam", 0.01, steps_per_execution("mirrored"))
    training, validation, _ = make_datasets((images[:320], labels[:320]), (images[320:], labels[320:]), 32, 0)
    history = fit(model, training, validation, 5, "mirrored")
    print(json.dumps({"replicas": strategy.num_replicas_in_sync, "validation_accuracy": history["val_accuracy"][-1]}))
    """
)


@pytest.mark.slow
def test_mirrored_strategy_trains_over_two_logical_cpus():
    result = subprocess.run(
        [sys.executable, "-c", MIRRORED_TRAINING],
        cwd=REPOSITORY_ROOT,
        env={"PYTHONPATH": f"{REPOSITORY_ROOT}:{REPOSITORY_ROOT / 'tests'}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    assert report["validation_accuracy"] > 0.5


def test_a_non_chief_worker_trains_but_writes_nothing(processed_project, monkeypatch, capsys):
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 1}}')
    assert train.main(["--model", "model_1"]) == 0
    assert "worker finished; the chief writes the outputs" in capsys.readouterr().out
    for output in (paths.model_file("model_1"), paths.train_metrics_file("model_1"), paths.live_dir("model_1")):
        assert not output.exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# A small convolutional entry with every mechanism the one-device loop has.
CONVOLUTIONAL_WORKER_ENTRY = {
    "architecture": "convolutional", "blocks": [[4], [8]], "global_pooling": "flatten", "optimizer": "adamw",
    "weight_decay": 0.0005, "learning_rate": 0.01, "schedule": "one_cycle", "label_smoothing": 0.1,
    "restore_best_epoch": True, "augmentation": {"shift_pixels": 1, "horizontal_flip": True}, "precision": "auto",
    "epochs": 3, "batch_size": 16, "seed": 5,
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("model", ["model_1", "cnn_workers"])
def test_multi_worker_training_with_two_local_workers(processed_project, model):
    """The README's multi-worker launch, with both workers on 127.0.0.1."""
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["distribute"]["strategy"] = "multi_worker"
    # Entries multi_worker refuses (each with one line, tested elsewhere): those that sweep, or refit.
    params["models"] = {
        name: entry
        for name, entry in params["models"].items()
        if entry["learning_rate"] != "sweep" and not entry.get("refit")
    }
    params["models"]["cnn_workers"] = CONVOLUTIONAL_WORKER_ENTRY
    params["ensembles"] = {}
    write_params(processed_project, params)
    cluster = {"worker": [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "stages.train", "--model", model],
            cwd=processed_project,
            env={
                **os.environ,
                "PYTHONPATH": str(REPOSITORY_ROOT),
                "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(2)
    ]
    outputs = [worker.communicate(timeout=300) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], [error[-2000:] for _, error in outputs]
    assert "worker finished; the chief writes the outputs" in outputs[1][0]
    metrics = json.loads(paths.train_metrics_file(model).read_text())
    assert metrics["replicas"] == 2
    assert metrics["validation_accuracy"] > 0.2
    assert paths.model_file(model).exists()
    epochs = params["models"][model]["epochs"]
    history = paths.history_file(model).read_text().splitlines()
    assert len(history) == 1 + epochs  # the header, then every epoch
    live_log = (paths.live_dir(model) / "plots/metrics/eval/accuracy.tsv").read_text().splitlines()
    assert len(live_log) == 1 + epochs
    assert (
        json.loads((paths.live_dir(model) / "metrics.json").read_text())["step"]
        == metrics.get("kept_epoch", epochs) - 1
    )
