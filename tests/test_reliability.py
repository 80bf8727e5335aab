"""Faults and bad inputs, injected: nothing lost, nothing silently wrong.

Each test here is a row of docs/reliability.md.
"""

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from faults import can_mount, faulty_mirror, tmpfs, wait_for
from synthetic import REPOSITORY_ROOT, write_dataset, write_params

from fashion.core import paths
from fashion.core.atomic import atomic_path, write_json
from fashion.core.dataset import DATASET_FILES, TRAIN_LABELS_FILE
from fashion.core.errors import PipelineError
from fashion.data.arrays import load_split, split_files, write_checksums
from fashion.data.download import download_all, download_file
from fashion.models.saving import load_trained_model
from stages import normalize, train

# Mirrors that misbehave.


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        ("html", "not a valid gzip file"),
        ("short", "truncated: got 10 of 50000 bytes (after 2 attempts)"),
        ("stall", "no data for 0.5 s (timed out) (after 2 attempts)"),
    ],
)
def test_a_misbehaving_mirror_is_retried_if_transient_then_skipped(tmp_path, monkeypatch, behaviour, reason):
    monkeypatch.chdir(tmp_path)
    sha256 = write_dataset(tmp_path / "good")
    with faulty_mirror(behaviour, stall_seconds=3) as (bad, requests):
        with pytest.raises(PipelineError) as raised:
            download_file(
                TRAIN_LABELS_FILE, sha256[TRAIN_LABELS_FILE], (bad,), tmp_path / "raw" / TRAIN_LABELS_FILE,
                timeout_seconds=0.5, attempts_per_mirror=2, show_progress=False,
            )  # fmt: skip
        assert f"{bad}{TRAIN_LABELS_FILE}: {reason}" in str(raised.value)
        # HTML is wrong content, not a transient fault: asking again would not help.
        assert len(requests) == (1 if behaviour == "html" else 2)

        sources = download_all(
            DATASET_FILES, sha256, (bad, (tmp_path / "good").as_uri()), tmp_path / "raw",
            timeout_seconds=0.5, attempts_per_mirror=2, show_progress=False,
        )  # fmt: skip
    assert set(sources.values()) == {(tmp_path / "good").as_uri()}
    assert sorted(path.name for path in (tmp_path / "raw").iterdir()) == sorted(DATASET_FILES)


# Interrupted stages.


def _interactive_signals() -> None:
    """Give the child a terminal's Ctrl-C: a shell script's background jobs (and
    so a test run started with `&`) inherit SIGINT ignored, and Python then
    installs no KeyboardInterrupt handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_stage(stage: str, arguments: list[str], cwd) -> subprocess.Popen:
    """Run `python -m stages.<stage>` in `cwd` as DVC would, with the code importable."""
    return subprocess.Popen(
        [sys.executable, "-m", f"stages.{stage}", *arguments],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interactive_signals,
    )


def long_training(project, model="model_1", epochs=100_000):
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["models"][model]["epochs"] = epochs
    write_params(project, params)


def wait_for_first_epoch(process: subprocess.Popen) -> None:
    """Read the stage's progress bar until one epoch is done: training is under way."""
    seen = ""
    while "| 1/" not in seen:
        character = process.stderr.read(1)
        assert character, f"the stage ended before its first epoch:\n{seen}"
        seen += character


@pytest.mark.slow
def test_sigkill_mid_download_leaves_no_partial_file_and_a_rerun_completes(project, mirror):
    directory, _ = mirror
    with faulty_mirror("stall", stall_seconds=30) as (stalling, requests):
        params = yaml.safe_load(paths.PARAMS_FILE.read_text())
        params["download"]["mirrors"] = [stalling]
        write_params(project, params)
        process = start_stage("download", [], project)
        assert wait_for(lambda: requests, timeout_seconds=20)
        assert wait_for(lambda: list(paths.RAW_DIR.glob(".*.tmp.gz")), timeout_seconds=10)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    left = [path.name for path in paths.RAW_DIR.iterdir()]
    assert left and all(name.startswith(".") for name in left), "only a temporary file, never a final name"

    params["download"]["mirrors"] = [directory.as_uri()]
    write_params(project, params)
    rerun = start_stage("download", [], project)
    assert rerun.wait(timeout=60) == 0, rerun.stderr.read()
    assert sorted(path.name for path in paths.RAW_DIR.iterdir()) == sorted(DATASET_FILES)


@pytest.mark.slow
def test_sigkill_mid_epoch_leaves_no_model_or_metrics(processed_project):
    long_training(processed_project)
    process = start_stage("train", ["--model", "model_1"], processed_project)
    wait_for_first_epoch(process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    for output in (paths.model_file("model_1"), paths.history_file("model_1"), paths.train_metrics_file("model_1")):
        assert not output.exists()


def interrupt_and_wait(process: subprocess.Popen) -> tuple[int, str, float]:
    """Send Ctrl-C; (exit code, what the stage wrote to stderr since, seconds it took to exit)."""
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    # communicate() keeps draining both pipes, so a chatty stage cannot block on a full pipe.
    _, remaining = process.communicate(timeout=60)
    return process.returncode, remaining, time.monotonic() - sent


# Seconds after the first epoch's bar when Ctrl-C comes: inside a batch, at an epoch's end while
# validating and logging (dvclive, the bar), and in between; repeated, since the moment is never exact.
INTERRUPT_DELAYS = (0.0, 0.05, 0.2, 0.45, 0.8, 1.3, 2.0)


@pytest.mark.slow
def test_ctrl_c_at_any_point_of_training_ends_with_130_and_one_line(processed_project):
    long_training(processed_project)
    for delay in INTERRUPT_DELAYS:
        process = start_stage("train", ["--model", "model_1"], processed_project)
        wait_for_first_epoch(process)
        time.sleep(delay)
        exit_code, remaining, seconds = interrupt_and_wait(process)
        assert exit_code == 130, (delay, remaining[-2000:])  # never an abort (-6) or a crash (-11)
        assert remaining.strip().splitlines()[-1] == "train: interrupted; no partial outputs were kept.", delay
        assert "Traceback" not in remaining, (delay, remaining[-2000:])
        assert seconds < 20, delay  # at the end of the batch, not of the run
        assert not paths.model_file("model_1").exists()


@pytest.mark.slow
def test_ctrl_c_while_starting_or_saving_ends_with_130_or_a_complete_run(processed_project):
    """A short run interrupted from its start to its end: before training, while saving, or just after."""
    long_training(processed_project, epochs=2)
    outcomes = []
    for delay in (1.0, 3.0, 0.0, 0.3, 0.6, 1.0):
        process = start_stage("train", ["--model", "model_1"], processed_project)
        if len(outcomes) >= 2:
            wait_for_first_epoch(process)  # then the second epoch, the save and the metrics follow
        time.sleep(delay)
        exit_code, remaining, _ = interrupt_and_wait(process)
        assert exit_code in (0, 130), (delay, remaining[-2000:])
        assert "Traceback" not in remaining, (delay, remaining[-2000:])
        if exit_code == 130:
            assert remaining.strip().splitlines()[-1] == "train: interrupted; no partial outputs were kept."
        outputs = [paths.model_file("model_1"), paths.train_metrics_file("model_1")]
        assert all(path.exists() for path in outputs) == (exit_code == 0)  # all or nothing
        for path in outputs:
            path.unlink(missing_ok=True)
        outcomes.append(exit_code)
    assert 130 in outcomes


def test_a_temporary_left_by_a_killed_run_is_removed_on_the_next_write(project):
    target = paths.train_metrics_file("model_1")
    target.parent.mkdir(parents=True)
    leftover = target.parent / ".model_1.abc123.tmp.json"
    leftover.write_text('{"training_accuracy": 0.1')  # Half-written, as SIGKILL leaves it.
    write_json(target, {"training_accuracy": 0.9})
    assert not leftover.exists()
    assert json.loads(target.read_text()) == {"training_accuracy": 0.9}


# Corrupted data.


def test_a_bit_flip_in_a_raw_file_is_caught_by_normalize(processed_project, capsys):
    raw_file = paths.RAW_DIR / "t10k-images-idx3-ubyte.gz"
    content = bytearray(gzip.decompress(raw_file.read_bytes()))
    content[-1] ^= 0x01  # One pixel, one bit: the structure stays valid.
    raw_file.write_bytes(gzip.compress(bytes(content)))

    assert normalize.main([]) == 1
    message = capsys.readouterr().err
    assert "data/raw/t10k-images-idx3-ubyte.gz is corrupt" in message
    assert "does not match the SHA-256 pinned in params.yaml" in message
    assert "dvc repro download" in message


@pytest.mark.parametrize("damage", ["bit flip", "truncation"])
def test_damaged_processed_arrays_are_caught_before_training(processed_project, capsys, damage):
    images_path, _ = split_files(paths.PROCESSED_DIR, "train")
    data = bytearray(images_path.read_bytes())
    if damage == "bit flip":
        data[len(data) // 2] ^= 0x10
    else:
        data = data[: len(data) // 2]
    images_path.write_bytes(bytes(data))

    assert train.main(["--model", "model_1"]) == 1
    message = capsys.readouterr().err
    assert "data/processed/train_images.npy is corrupt" in message
    assert "dvc repro normalize --force" in message
    assert not paths.model_file("model_1").exists()


# Resource faults.

needs_mount = pytest.mark.skipif(not can_mount(), reason="mounting a tmpfs needs root")


@needs_mount
def test_a_full_disk_gives_a_clear_error_and_keeps_the_earlier_output(project):
    with tmpfs(project / "metrics", "size=64k") as full:
        target = full / "earlier.json"
        write_json(target, {"test_accuracy": 0.8})
        (full / "filler").write_bytes(b"\0" * (64 * 1024 - 8 * 1024))  # Fill what is left... almost.
        with pytest.raises(PipelineError, match="No space left on device") as raised:
            write_json(target, {"test_accuracy": 0.9, "padding": "x" * 100_000})
        assert "the disk is not full" in str(raised.value)
        assert json.loads(target.read_text()) == {"test_accuracy": 0.8}
        assert sorted(path.name for path in full.iterdir()) == ["earlier.json", "filler"]


@needs_mount
def test_a_read_only_output_directory_fails_the_stage_cleanly(processed_project, capsys):
    with tmpfs(processed_project / "models", "ro"):
        assert train.main(["--model", "model_1"]) == 1
    message = capsys.readouterr().err
    assert "Cannot write to models: Read-only file system" in message
    assert len(message.strip().splitlines()) == 1


def test_an_unwritable_path_outside_the_repository_is_refused(project):
    with pytest.raises(PipelineError, match="outside the repository"), atomic_path(project.parent / "elsewhere.json"):
        pass
    assert not (project.parent / "elsewhere.json").exists()


# Safe loading.


def test_arrays_that_need_pickle_are_refused(processed_project):
    _, labels_path = split_files(paths.PROCESSED_DIR, "train")
    np.save(labels_path, np.array([{"not": "an image label"}], dtype=object), allow_pickle=True)
    write_checksums(paths.PROCESSED_DIR)  # Even with matching checksums.
    with pytest.raises(PipelineError, match=r"not a readable \.npy array without pickle"):
        load_split(paths.PROCESSED_DIR, "train")


def test_models_with_arbitrary_code_are_refused(project):
    from fashion.core.tensorflow_setup import keras

    inputs = keras.Input(shape=(28, 28))
    outputs = keras.layers.Lambda(lambda images: images * 2)(inputs)
    paths.MODELS_DIR.mkdir()
    keras.Model(inputs, outputs).save(paths.model_file("model_1"))
    with pytest.raises(PipelineError, match="cannot be loaded in Keras's safe mode"):
        load_trained_model(paths.model_file("model_1"))


def test_model_names_cannot_escape_the_output_directories(project, capsys):
    params = yaml.safe_load(paths.PARAMS_FILE.read_text())
    params["models"]["../../outside"] = params["models"]["model_1"]
    write_params(project, params)
    assert train.main(["--model", "../../outside"]) == 1
    assert "must be a name of letters, digits and underscores" in capsys.readouterr().err


def test_every_declared_path_is_relative_and_stays_inside():
    declared = [value for value in vars(paths).values() if isinstance(value, Path)]
    assert declared
    for path in declared:
        assert not path.is_absolute() and ".." not in path.parts, path
