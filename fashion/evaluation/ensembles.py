"""Assemble an ensemble of trained models, choosing its members and views on the validation split (never the test).

`average` takes every member with every view asked for. `greedy` scores each
candidate -- a member with one subset of the views asked for (that its training
covered) -- on validation, then lets `fashion.evaluation.selection` choose
votes among them. Either way the saved ensemble is scored on validation here,
and everything the choice saw is recorded in metrics/ensemble/<name>.json.
"""

import numpy as np

from fashion.core.dataset import INFERENCE_BATCH_SIZE
from fashion.core.params import Augmentation, Ensemble
from fashion.core.tensorflow_setup import keras
from fashion.evaluation.selection import greedy_selection, validation_scores
from fashion.models.cost import forward_flops
from fashion.models.ensemble import Views, build_ensemble, member_views, per_view_model


def candidate_name(member: str, views: Views) -> str:
    """How a candidate is named in the metrics: `cnn (flip, shift 1)`."""
    return f"{member} ({views.label})"


def candidate_probabilities(
    names: tuple[str, ...], members: list[keras.Model], widest: list[Views], images: np.ndarray
) -> dict[str, tuple[int, Views, np.ndarray]]:
    """Every candidate's validation probabilities, by candidate name: (member index, views, probabilities).

    Each member predicts each of its widest views once; a candidate's
    probabilities are the mean over its own views.
    """
    candidates = {}
    for index, (name, member, views) in enumerate(zip(names, members, widest, strict=True)):
        per_view = per_view_model(member, views).predict(images, batch_size=INFERENCE_BATCH_SIZE, verbose=0)
        per_view = dict(zip(views.offsets, per_view if isinstance(per_view, list) else [per_view], strict=True))
        for subset in views.subsets():
            probabilities = np.mean([per_view[offset] for offset in subset.offsets], axis=0, dtype=np.float64)
            candidates[candidate_name(name, subset)] = (index, subset, probabilities)
    return candidates


def assemble_ensemble(
    params: Ensemble,
    members: list[keras.Model],
    trained_augmentations: list[Augmentation],
    validation: tuple[np.ndarray, np.ndarray],
) -> tuple[keras.Model, dict]:
    """The ensemble `params` describes (or, with `greedy`, chooses on `validation`) and its metrics file's content.

    Each member sees only the test-time views its training augmentation
    (`trained_augmentations`, in member order) showed it. The ensemble's cost
    is the sum over its chosen members of forward FLOPs times views.
    """
    images, labels = validation
    widest = [
        member_views(params.flip_test_time_augmentation, params.shift_test_time_augmentation,
                     augmentation.horizontal_flip, augmentation.shift_pixels)
        for augmentation in trained_augmentations
    ]  # fmt: skip
    record = {}
    if params.selection == "greedy":
        candidates = candidate_probabilities(params.members, members, widest, images)
        selection = greedy_selection({name: found[2] for name, found in candidates.items()}, labels,
                                     params.selection_rounds)  # fmt: skip
        chosen = [(candidates[name][0], candidates[name][1], weight) for name, weight in selection.weights.items()]
        record = {
            "candidates": {name: validation_scores(labels, found[2]) for name, found in candidates.items()},
            "rounds": selection.rounds,
        }
    else:
        chosen = [(index, views, 1) for index, views in enumerate(widest)]
    ensemble = build_ensemble([members[index] for index, _, _ in chosen], [views for _, views, _ in chosen],
                              params.name, [weight for _, _, weight in chosen])  # fmt: skip
    probabilities = ensemble.predict(images, batch_size=INFERENCE_BATCH_SIZE, verbose=0)
    votes = sum(weight for _, _, weight in chosen)
    member_shares = dict.fromkeys(sorted({params.members[index] for index, _, _ in chosen}), 0.0)
    for index, _, weight in chosen:
        member_shares[params.members[index]] += weight / votes
    return ensemble, {
        **validation_scores(labels, probabilities),
        "chosen": {candidate_name(params.members[index], views): weight / votes for index, views, weight in chosen},
        "member_shares": member_shares,  # each member's share of the vote, over all of its views
        "members": len({index for index, _, _ in chosen}),
        "views": sum(views.count for _, views, _ in chosen),
        "parameters": sum(members[index].count_params() for index in {index for index, _, _ in chosen}),
        "forward_flops_per_image": sum(views.count * forward_flops(members[index]) for index, views, _ in chosen),
        **record,
    }
