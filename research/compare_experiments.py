"""Compare DVC experiments in a table and a picture, from `dvc exp show --json`.

    python research/compare_experiments.py --model cnn
    python research/compare_experiments.py --model model_1 --output docs/images/experiments.png

Each experiment (and the commit it started from) becomes one row: the params
that differ between the rows, and the model's summary metrics
(metrics/summary/<model>.json). Rows are ranked by validation accuracy, the
metric experiments may be chosen by: the test accuracy is printed beside it,
but picking the run with the best test accuracy would make the test set a
selection set and its number an optimistic one. The picture draws each run as
a line across parallel axes (each varying param, then validation accuracy),
coloured by validation accuracy.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

RANKING_METRIC = "validation_accuracy"


def flatten(mapping: dict, prefix: str = "") -> dict:
    """{"models": {"cnn": {"seed": 1}}} -> {"models.cnn.seed": 1}; lists become strings."""
    flat = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = json.dumps(value) if isinstance(value, list) else value
    return flat


def read_exp_show(path: Path | None) -> list:
    """A saved `dvc exp show --json` at `path`, or (None) the one DVC gives now in the current directory."""
    if path:
        return json.loads(path.read_text())
    shown = subprocess.run(["dvc", "exp", "show", "--json"], check=True, capture_output=True, text=True)
    return json.loads(shown.stdout)


def finished(experiment: dict) -> bool:
    """Whether DVC has finished and committed one experiment of `dvc exp show --json`.

    A queued, running or failed experiment carries an executor with its state. A
    running one in the workspace already shows its new params beside the metrics
    of the run it started from, so reading it would pair a seed with another
    seed's scores.
    """
    executor = experiment.get("executor")
    return executor is None or executor.get("state") == "success"


def named_revisions(commit: dict) -> list[tuple[str, dict]]:
    """(name, data) of one commit of `dvc exp show --json` (unless it is the workspace), then of its finished
    experiments.

    The workspace says the same as its commit unless uncommitted changes were made.
    """
    revisions = []
    if commit["rev"] != "workspace":
        revisions.append((commit.get("name") or commit["rev"][:7], commit.get("data") or {}))
    for experiment in commit.get("experiments") or []:
        if finished(experiment):
            revision = experiment["revs"][0]
            revisions.append((revision.get("name") or revision["rev"][:7], revision.get("data") or {}))
    return revisions


def unfinished_lines(exp_show: list) -> list[str]:
    """A line for each experiment left out because it is queued, running or failed."""
    lines = []
    for commit in exp_show:
        for experiment in commit.get("experiments") or []:
            if not finished(experiment):
                name = experiment.get("name") or experiment["revs"][0]["rev"][:7]
                lines.append(f"skipped {name}: DVC shows it as {experiment['executor']['state']}")
    return lines


def summary_of(data: dict, model: str) -> dict | None:
    """The model's summary metrics (metrics/summary/<model>.json) in one revision's data, if it has them.

    The file is flat; commits made before it was (up to 87220e8) nest its numbers under the model's name.
    """
    summary = (data.get("metrics") or {}).get(f"metrics/summary/{model}.json", {}).get("data")
    return summary.get(model, summary) if summary else None


def params_of(data: dict) -> dict:
    """One revision's params.yaml, flattened (see `flatten`)."""
    return flatten(data["params"]["params.yaml"]["data"])


def experiment_rows(exp_show: list, model: str) -> pd.DataFrame:
    """One row per workspace, commit and experiment of `dvc exp show --json` that has the model's summary."""
    metrics_file = f"metrics/summary/{model}.json"
    rows = []
    for commit in exp_show:
        for name, data in named_revisions(commit):
            metrics = summary_of(data, model)
            if metrics:
                rows.append({"experiment": name, **params_of(data), **metrics})
    if not rows:
        raise SystemExit(f"No experiment has {metrics_file}: run some (see the README's Experiments) first.")
    return pd.DataFrame(rows).set_index("experiment")


def varying_params(table: pd.DataFrame, metrics: list[str]) -> list[str]:
    """The params whose value differs between rows."""
    params = [column for column in table.columns if column not in metrics]
    return [column for column in params if table[column].astype(str).nunique() > 1]


def draw(table: pd.DataFrame, axes_names: list[str], model: str, output: Path) -> None:
    """Parallel coordinates: one line per run across each varying param and validation accuracy."""
    columns = [*axes_names, RANKING_METRIC]
    values = table[columns].apply(pd.to_numeric, errors="coerce")
    for column in axes_names:  # learning rates and other fractional spans of decades read better on a log scale
        positive = values[column].dropna()
        fractional = (positive != positive.round()).any()
        if len(positive) and fractional and (positive > 0).all() and positive.max() / positive.min() >= 10:
            values[column] = np.log10(values[column])
            values = values.rename(columns={column: f"log10 {column}"})
    low, high = values.min(), values.max()
    scaled = (values - low) / (high - low).replace(0, 1)
    figure, axis = plt.subplots(figsize=(1.8 + 2.2 * len(columns), 4.5))
    colours = plt.get_cmap("viridis")(scaled.iloc[:, -1].fillna(0).to_numpy())
    for (name, row), colour in zip(scaled.iterrows(), colours, strict=True):
        axis.plot(range(len(columns)), row.to_numpy(), marker="o", color=colour, linewidth=2, alpha=0.85)
        axis.annotate(name, (len(columns) - 1, row.iloc[-1]), xytext=(6, 0), textcoords="offset points",
                      va="center", fontsize=8)  # fmt: skip
    for position, column in enumerate(values.columns):
        axis.axvline(position, color="grey", linewidth=0.8)
        for level in (0.0, 1.0):
            raw = low[column] + level * (high[column] - low[column])
            axis.annotate(f"{raw:.4g}", (position, level), xytext=(-4, 0), textcoords="offset points", ha="right",
                          va="center", fontsize=8, color="dimgrey")  # fmt: skip
    axis.set_xticks(range(len(columns)), [name.replace(f"models.{model}.", "") for name in values.columns])
    axis.set_yticks([])
    axis.set_xlim(-0.6, len(columns) - 0.2)
    axis.set_title(f"{model}: {len(table)} runs, coloured by validation accuracy")
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=110)
    plt.close(figure)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="whose metrics/summary/<model>.json to compare")
    parser.add_argument("--output", type=Path, default=Path("experiments.png"), help="where to draw the picture")
    parser.add_argument("--input", type=Path, help="a saved `dvc exp show --json` (default: run it now)")
    arguments = parser.parse_args(argv)
    exp_show = read_exp_show(arguments.input)
    for line in unfinished_lines(exp_show):
        print(line)
    table = experiment_rows(exp_show, arguments.model)
    metrics = [column for column in table.columns if column in ("test_accuracy", "test_macro_f1", RANKING_METRIC)]
    params = varying_params(table, metrics)
    ranked = table[[*params, RANKING_METRIC, "test_accuracy"]].sort_values(RANKING_METRIC, ascending=False)
    print(ranked.rename(columns=lambda name: name.replace(f"models.{arguments.model}.", "")).to_string())
    print(f"\nChosen by {RANKING_METRIC}: {ranked.index[0]}. (Test accuracy is shown, never chosen by.)")
    draw(table, params, arguments.model, arguments.output)
    print(f"Drawn: {arguments.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
