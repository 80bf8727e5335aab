"""Add seed runs from DVC experiments to docs/seed_spread.json, the file the seed-spread tables are made from.

    dvc exp run --queue -S 'models.cnn.seed=1,2'    # the committed recipe with two more seeds
    dvc queue start && dvc queue status
    python research/seed_spread.py                   # what it would add, and what it skips
    python research/seed_spread.py --write           # add it to docs/seed_spread.json
    python scripts/results_table.py --write         # regenerate the tables from that file

The file says what it follows: `models` (whose validation and test accuracy
are collected, from metrics/summary) and `networks` (the trained networks each
of them is made of). A run is a commit of `dvc exp show --json` or one of its
finished experiments whose params differ from that commit's in those networks' seeds
alone: a seed spread measures what the seed moves, so any other experiment is
skipped, with a line naming a param it changes. A model's score joins a run
only under a combination of its networks' seeds that the file does not hold
yet; otherwise a run that varies one network's seed would count again the
unchanged models it does not feed. Where the file already holds that
combination with another score (another machine, lock or recipe), nothing is
written: the line says which, and the file's runs of the older recipe must be
cleared by hand first.
"""

import argparse
import json
import os
import sys
from pathlib import Path

from compare_experiments import named_revisions, params_of, read_exp_show, summary_of, unfinished_lines

SEED_SPREAD_FILE = Path(__file__).resolve().parent.parent / "docs" / "seed_spread.json"
SCORES = ("validation_accuracy", "test_accuracy")


def followed_networks(spread: dict) -> set[str]:
    """Every network the seed-spread file follows (those its models are made of)."""
    return {network for names in spread["networks"].values() for network in names}


def seed_keys(networks: set[str], params: dict) -> dict[str, str]:
    """{network: its flattened params key for the seed} for each followed network in this params.yaml."""
    from fashion.core.params import MODEL_SECTIONS  # the sections whose entries are trained networks

    keys = {}
    for network in networks:
        found = [f"{section}.{network}.seed" for section in MODEL_SECTIONS if f"{section}.{network}.seed" in params]
        if not found:
            raise SystemExit(f"seed_spread: error: params.yaml has no models: or lr_find_models: entry {network}.")
        keys[network] = found[0]
    return keys


def seed_runs(exp_show: list, networks: set[str]) -> tuple[list[tuple[str, dict]], list[str]]:
    """The revisions that vary only the followed networks' seeds, as (name, data); and a line per skipped one."""
    runs, skipped = [], unfinished_lines(exp_show)
    for commit in exp_show:
        revisions = named_revisions(commit)
        if not revisions or commit["rev"] == "workspace":
            continue  # the workspace's experiments are listed under their commit too
        base_name, base = revisions[0]
        if "params" not in base:
            skipped.append(f"skipped {base_name} and its experiments: DVC shows no params for it")
            continue
        base_params = params_of(base)
        allowed = set(seed_keys(networks, base_params).values())
        runs.append((base_name, base))
        for name, data in revisions[1:]:
            if "params" not in data:
                skipped.append(f"skipped {name}: DVC shows no params for it")
                continue
            params = params_of(data)
            keys = (base_params.keys() | params.keys()) - allowed
            others = sorted(key for key in keys if base_params.get(key) != params.get(key))
            if others:
                skipped.append(f"skipped {name}: it changes {others[0]}, not only a seed (its commit: {base_name})")
            else:
                runs.append((name, data))
    return runs, skipped


def add_runs(spread: dict, revisions: list[tuple[str, dict]]) -> tuple[list[dict], list[str]]:
    """The runs `revisions` add to `spread` (each model's score only under new seeds), and a line per conflict."""
    networks = followed_networks(spread)
    runs = list(spread["runs"])
    added, conflicts = [], []
    for name, data in revisions:
        params = params_of(data)
        seeds = {network: params[key] for network, key in sorted(seed_keys(networks, params).items())}
        results = {}
        for model in spread["models"]:
            summary = summary_of(data, model)
            if summary is None:
                continue  # this revision does not score the model (params.yaml has no such entry there)
            scores = {score: summary.get(score) for score in SCORES}  # DVC leaves a null (refit) out
            combination = [seeds[network] for network in spread["networks"][model]]
            held = [
                run["results"][model]
                for run in runs
                if model in run["results"]
                and [run["seeds"].get(network) for network in spread["networks"][model]] == combination
            ]
            if not held:
                results[model] = scores
            elif held[0] != scores:
                conflicts.append(
                    f"{name}: {model} with seeds {combination} scored {scores}, the file's run {held[0]}"
                )  # fmt: skip
        if results:
            run = {"seeds": seeds, "results": results}
            runs.append(run)
            added.append(run)
    return added, conflicts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, help="a saved `dvc exp show --json` (default: run it now)")
    parser.add_argument("--spread", type=Path, default=SEED_SPREAD_FILE, help="the seed-spread file to add to")
    parser.add_argument("--write", action="store_true", help="add the runs to the file (default: only print them)")
    arguments = parser.parse_args(argv)
    spread = json.loads(arguments.spread.read_text())
    revisions, skipped = seed_runs(read_exp_show(arguments.input), followed_networks(spread))
    added, conflicts = add_runs(spread, revisions)
    for line in skipped:
        print(line)
    if conflicts:
        for line in conflicts:
            print(f"seed_spread: error: {line}", file=sys.stderr)
        print(f"seed_spread: error: {arguments.spread} is unchanged; clear its runs of another recipe first.",
              file=sys.stderr)  # fmt: skip
        return 1
    for run in added:
        print(f"new run: seeds {run['seeds']}: {run['results']}")
    if not added:
        print(f"No new seed runs: {arguments.spread} holds every one.")
    elif arguments.write:
        spread["runs"] += added
        temporary = arguments.spread.with_name(f".{arguments.spread.name}.tmp")
        temporary.write_text(json.dumps(spread, indent=2, ensure_ascii=False) + "\n")
        os.replace(temporary, arguments.spread)  # atomic: the file is the old one or the new one, never half
        print(f"Added {len(added)} runs to {arguments.spread}; now run scripts/results_table.py --write.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
