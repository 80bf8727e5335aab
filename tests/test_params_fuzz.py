"""Property-based: any invalid params.yaml gets one readable error from every stage.

Hypothesis mutates the real params.yaml -- a wrong type, a negative or zero
size, an unknown or missing key, an empty model list, a zero learning rate --
and every stage (each checks the whole file first) must exit 1 with one line
that starts with `<stage>: error: params.yaml`, never a traceback, and write
nothing.
"""

import contextlib
import copy
import os
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synthetic import REPOSITORY_ROOT, write_params

from fashion.core.params import EXPORT_BEST, LEARNING_RATE_FROM_OWN_SWEEP, MODEL_SECTIONS, STRATEGIES, LrFind
from fashion.core.params.json_schema import model_entry_keys
from fashion.core.params.sections import MIRROR_SCHEMES
from stages import baseline, download, ensemble, evaluate, export, lr_find, normalize, train

# The choices of each model key, from the entry classes' one declaration.
CHOICES = {name: schema["enum"] for name, _, schema, _ in model_entry_keys() if "enum" in schema}
ACTIVATIONS, OPTIMIZERS, INPUT_SCALINGS = CHOICES["activation"], CHOICES["optimizer"], CHOICES["input_scaling"]
ARCHITECTURES, POOLINGS, GLOBAL_POOLINGS = CHOICES["architecture"], CHOICES["pooling"], CHOICES["global_pooling"]
SCHEDULES, PRECISIONS = CHOICES["schedule"], CHOICES["precision"]
STUDY_OPTIMIZERS = LrFind.model_json_schema()["properties"]["optimizer"]["enum"]
# Model keys that may be left out; learning_rate only in lr_find_models (where it must be).
OPTIONAL_MODEL_KEYS = {name for name, _, _, required in model_entry_keys() if not required} - {"learning_rate"}
PARAMS = yaml.safe_load((REPOSITORY_ROOT / "params.yaml").read_text())
MODEL_NAMES = [name for section in MODEL_SECTIONS for name in PARAMS[section]]
# Sections that may be absent.
OPTIONAL_SECTIONS = {"ensembles", "lr_find_models", "baselines", "students", "pretrained_weights"}
OUTPUT_DIRECTORIES = ("data", "models", "metrics", "plots", "ensembles", "baselines")

junk = st.one_of(st.none(), st.booleans(), st.text(max_size=12), st.lists(st.integers(), max_size=2), st.just({}))
not_finite = st.sampled_from([float("nan"), float("inf"), float("-inf")])


def number_below(limit: float):
    """Numbers under `limit`, and anything that is not a finite number."""
    return st.one_of(st.floats(max_value=limit, exclude_max=True, allow_nan=False), not_finite, junk)


def integer_outside(minimum: int, maximum: int | None = None):
    """Integers out of range, non-integral floats, and non-numbers."""
    out_of_range = st.integers(max_value=minimum - 1)
    if maximum is not None:
        out_of_range = st.one_of(out_of_range, st.integers(min_value=maximum + 1))
    return st.one_of(
        out_of_range,
        st.floats(allow_nan=False).filter(lambda value: value != int(value) if abs(value) < 1e15 else True),
        junk,
    )


def fraction_outside():
    """Anything but a number in [0, 1]."""
    return st.one_of(
        st.floats(min_value=1.0, exclude_min=True, allow_nan=False),
        st.floats(max_value=0.0, exclude_max=True, allow_nan=False),
        not_finite,
        junk,
    )


not_boolean = st.one_of(st.integers(), st.text(max_size=5), st.none(), st.floats(allow_nan=False), st.just([]))


def text_except(allowed):
    return st.one_of(
        st.text(max_size=12).filter(lambda value: value not in allowed), st.none(), st.integers(), st.booleans()
    )


INVALID_VALUES = {
    "mirrors": st.one_of(
        st.just([]),
        st.lists(st.text(max_size=20).filter(lambda url: not url.startswith(MIRROR_SCHEMES)), min_size=1, max_size=2),
        junk.filter(lambda value: value != []),
    ),
    "sha256 entry": st.one_of(
        st.text(max_size=70).filter(lambda value: not re.fullmatch(r"[0-9a-f]{64}", value)), st.none(), st.integers()
    ),
    "timeout_seconds": number_below(0.1),
    "attempts_per_mirror": integer_outside(1, 10),
    "validation_fraction": st.one_of(
        st.floats(min_value=1.0, allow_nan=False), st.floats(max_value=0.0, allow_nan=False), not_finite, junk
    ),
    "seed": integer_outside(0),
    "hidden_units": st.one_of(
        st.just([]),
        st.lists(st.integers(max_value=0), min_size=1, max_size=3),
        st.lists(st.text(max_size=3), min_size=1, max_size=2),
        st.none(),
        st.text(max_size=5),
    ),
    "activation": text_except(ACTIVATIONS),
    "optimizer": text_except(OPTIMIZERS),
    "lr_find optimizer": text_except(STUDY_OPTIMIZERS),
    "input_scaling": text_except(INPUT_SCALINGS),
    "start_learning_rate": number_below(1e-12),
    "epochs_per_decade": number_below(1e-6),
    "lr_find epochs": integer_outside(2),
    "epochs": integer_outside(1),
    "batch_size": integer_outside(1),
    "smoothing": st.one_of(
        st.floats(min_value=1.0, allow_nan=False),
        st.floats(max_value=0.0, exclude_max=True, allow_nan=False),
        not_finite,
        junk,
    ),
    "suggestion_divisor": number_below(1.0),
    "learning_rate": st.one_of(
        st.just(0),
        st.just(0.0),
        st.floats(max_value=0.0, allow_nan=False),
        st.integers(max_value=0),  # a positive integer is a valid rate, so text_except's integers would not do
        not_finite,
        st.text(max_size=12).filter(lambda value: value not in ("lr_find", LEARNING_RATE_FROM_OWN_SWEEP)),
        st.none(),
        st.booleans(),
    ),
    "architecture": text_except(ARCHITECTURES),
    "blocks": st.one_of(
        st.just([]),
        st.lists(st.lists(st.integers(max_value=0), min_size=1, max_size=2), min_size=1, max_size=2),
        st.lists(st.integers(), min_size=1, max_size=2),
        junk.filter(lambda value: value != []),
    ),
    "kernel_size": integer_outside(1, 7),
    "batch_normalization": not_boolean,
    "residual": not_boolean,
    "restore_best_epoch": not_boolean,
    "refit": not_boolean,
    "horizontal_flip": not_boolean,
    "flip_test_time_augmentation": not_boolean,
    "shift_test_time_augmentation": integer_outside(0, 4),
    "selection": text_except(("average", "greedy")),
    "selection_rounds": integer_outside(1, 100),  # the committed ensembles are greedy: 0 is refused too
    "pooling": text_except(POOLINGS),
    "global_pooling": text_except(GLOBAL_POOLINGS),
    "dense_units": st.one_of(
        st.lists(st.integers(max_value=0), min_size=1, max_size=2), st.none(), st.text(max_size=3)
    ),
    "block_dropout": fraction_outside(),
    "head_dropout": fraction_outside(),
    "label_smoothing": fraction_outside(),
    "erase_probability": fraction_outside(),
    "erase_max_fraction": fraction_outside(),
    "momentum": fraction_outside(),
    "weight_decay": number_below(0.0),
    "schedule": text_except(SCHEDULES),
    "precision": text_except(PRECISIONS),
    "warmup_epochs": integer_outside(0),
    "early_stopping_patience": integer_outside(0),
    "shift_pixels": integer_outside(0, 8),
    "members": st.one_of(
        st.just([]),
        st.lists(text_except(MODEL_NAMES), min_size=1, max_size=3),
        st.sampled_from(MODEL_NAMES).map(lambda name: [name, name]),  # one model alone is valid with flips
        junk.filter(lambda value: value != []),
    ),
    "end_learning_rate": number_below(1e-12),
    "evaluate_every_steps": integer_outside(1),
    "validation_images": integer_outside(1),
    "sweep epochs": integer_outside(1, 5),
    "strategy": text_except(STRATEGIES),
    "model": text_except((EXPORT_BEST, *MODEL_NAMES)),
    "grid_rows": integer_outside(1, 10),
    "grid_columns": integer_outside(1, 10),
    "baseline estimator": st.one_of(st.none(), st.integers(), st.booleans(), st.lists(st.text(max_size=3))),
    "baseline seed": st.one_of(
        st.integers(max_value=-1), st.floats(allow_nan=False), st.text(max_size=5), st.booleans(), st.just([])
    ),
    "arguments": st.one_of(st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2), st.booleans()),
}


def leaves(node, path=()):
    """Every (path, kind) of a value in the params tree that has a validation rule.

    A baseline's arguments are checked against scikit-learn by the baseline stage
    (tests/test_baselines.py), not by the params check every stage runs first:
    only the mapping as a whole is mutated here.
    """
    for key, value in node.items():
        if path[:1] == ("baselines",) and len(path) == 2:
            yield (*path, key), {"estimator": "baseline estimator", "seed": "baseline seed"}.get(key, key)
        elif isinstance(value, dict):
            yield from leaves(value, (*path, key))
        elif path and path[-1] == "sha256":
            yield (*path, key), "sha256 entry"
        elif path == ("lr_find",) and key == "epochs":
            yield (*path, key), "lr_find epochs"
        elif path[-1:] == ("sweep",) and key == "epochs":
            yield (*path, key), "sweep epochs"
        elif path == ("lr_find",) and key == "optimizer":
            yield (*path, key), "lr_find optimizer"
        else:
            yield (*path, key), key


def is_optional(path: tuple) -> bool:
    """Whether the key at `path` may be left out: a model key with a default in the schema."""
    if path[0] == "baselines":
        return path[-1] in ("arguments", "seed", "standardize")
    if path[0] == "ensembles":
        return path[-1] == "shift_test_time_augmentation"
    if path[0] not in MODEL_SECTIONS or len(path) < 3:
        return False
    return ".".join(path[2:]) in OPTIONAL_MODEL_KEYS


LEAVES = list(leaves(PARAMS))
REQUIRED_LEAVES = [leaf for leaf in LEAVES if not is_optional(leaf[0])]
SECTIONS = (
    [(key,) for key in PARAMS]
    + [(section, name) for section in MODEL_SECTIONS for name in PARAMS[section]]
    + [
        (section, name, nested)
        for section in MODEL_SECTIONS
        for name, entry in PARAMS[section].items()
        for nested in ("augmentation", "sweep")
        if nested in entry
    ]
    + [("ensembles", name) for name in PARAMS.get("ensembles") or {}]
    + [("baselines", name) for name in PARAMS.get("baselines") or {}]
)
EVERY_STAGE = [
    (download, []), (normalize, []), (lr_find, []), *[(train, ["--model", name]) for name in MODEL_NAMES],
    *[(baseline, ["--name", name]) for name in PARAMS.get("baselines") or {}], (ensemble, []), (evaluate, []),
    (export, []),
]  # fmt: skip


@st.composite
def mutations(draw):
    """A mutated copy of PARAMS and the path of the part that was broken."""
    params = copy.deepcopy(PARAMS)
    kind = draw(st.sampled_from(["wrong value", "missing key", "unknown key", "empty models"]))
    if kind == "wrong value":
        path, rule = draw(st.sampled_from(LEAVES))
        value = draw(INVALID_VALUES[rule])
    elif kind == "missing key":
        required = [section for section in SECTIONS if len(section) == 1 and section[0] not in OPTIONAL_SECTIONS]
        sections = [(section, None) for section in required]
        path, _ = draw(st.sampled_from(REQUIRED_LEAVES + sections))
    elif kind == "unknown key":
        parent = draw(st.sampled_from([(), *SECTIONS, ("download", "sha256")]))
        known = set(get(params, parent))
        name = draw(st.from_regex(r"[a-z_]{1,12}", fullmatch=True).filter(lambda key: key not in known))
        path, value = (*parent, name), draw(st.integers())
    else:
        path, value = ("models",), {}
    node = get(params, path[:-1])
    if kind == "missing key":
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return params, path if kind != "unknown key" or path[:-1] else ()


def get(params, path):
    for key in path:
        params = params[key]
    return params


@contextlib.contextmanager
def working_directory(directory):
    previous = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous)


def test_every_value_in_params_yaml_has_invalid_values_to_try():
    """Hypothesis samples 120 of the leaves per run: a leaf without a strategy must fail every run, not some."""
    assert sorted({rule for _, rule in LEAVES} - set(INVALID_VALUES)) == []


@pytest.mark.slow
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mutation=mutations())
def test_every_invalid_params_file_gets_one_readable_error(capsys, mutation):
    # capsys is read (and so emptied) after every stage call, so sharing it is safe.
    params, broken = mutation
    with tempfile.TemporaryDirectory() as directory, working_directory(directory):
        write_params(Path(directory), params)
        for stage, argv in EVERY_STAGE:
            exit_code = stage.main(argv)
            error = capsys.readouterr().err
            name = stage.__name__.split(".")[-1]
            assert exit_code == 1, (name, broken)
            assert error.startswith(f"{name}: error: params.yaml"), error
            assert len(error.strip().splitlines()) == 1, error
            assert "Traceback" not in error
            assert not any(Path(output).exists() for output in OUTPUT_DIRECTORIES)
