"""CI's run on a CPU without native bfloat16: every slow-to-train entry trains one epoch, the rest as committed.

`.ci/one_epoch_overrides.py` prints the `dvc exp run -S` options; applied to
the committed params.yaml they must give params every stage accepts, with
`epochs: 1` on exactly the slow-to-train entries.
"""

import copy
import importlib.util

import yaml
from synthetic import REPOSITORY_ROOT

from fashion.core.params import validate_params


def one_epoch_overrides(params: dict) -> list[str]:
    """The function CI calls, loaded from its file (`.ci` is not a package)."""
    path = REPOSITORY_ROOT / ".ci" / "one_epoch_overrides.py"
    specification = importlib.util.spec_from_file_location("one_epoch_overrides", path)
    module = importlib.util.module_from_spec(specification)
    specification.loader.exec_module(module)
    return module.one_epoch_overrides(params)


def applied(params: dict, options: list[str]) -> dict:
    """`params` with each `-S dotted.key=value` option set, as `dvc exp run -S` sets it."""
    changed = copy.deepcopy(params)
    assert options[::2] == ["-S"] * (len(options) // 2), options
    for option in options[1::2]:
        dotted, value = option.split("=")
        *sections, key = dotted.split(".")
        node = changed
        for section in sections:
            node = node[section]
        assert key in node, f"{dotted} sets a key the entry does not have"
        node[key] = yaml.safe_load(value)
    return changed


def test_the_options_shorten_exactly_the_slow_entries_and_stay_valid():
    params = yaml.safe_load((REPOSITORY_ROOT / "params.yaml").read_text())
    shortened = applied(params, one_epoch_overrides(params))
    validate_params(shortened)
    committed, trained = validate_params(params).trained_models, validate_params(shortened).trained_models
    slow = [name for name, model in committed.items() if model.slow_to_train]
    assert slow, "params.yaml has no slow-to-train entry to shorten"
    for name, model in trained.items():
        expected = 1 if name in slow else committed[name].epochs
        assert model.epochs == expected, name


def test_a_dense_only_project_gets_no_options():
    """The study's entries alone (their architecture left out, so dense by default) need no shortening."""
    params = yaml.safe_load((REPOSITORY_ROOT / "params.yaml").read_text())
    params["models"] = {name: entry for name, entry in params["models"].items() if "architecture" not in entry}
    params["ensembles"] = {}
    assert params["models"], "params.yaml has no dense entry"
    assert one_epoch_overrides(params) == []
