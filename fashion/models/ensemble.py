"""Ensembles: one Keras model that averages the class probabilities of its members.

The ensemble is an ordinary model (same (28, 28) input, same 10 probabilities),
so the evaluate stage scores it like any other and `predict.py` can serve it.
With test-time augmentation a member also sees other views of each image --
mirrored left to right, shifted by a pixel or more up, down, left and right, and
the mirrored image shifted likewise -- but only the views its own training
augmentation showed it (a network never trained on mirrored images is not asked
about them). Every view of every member counts alike in the average.
"""

from dataclasses import dataclass

from fashion.core.tensorflow_setup import keras
from fashion.models.layers import HorizontalFlip, Shift


@dataclass(frozen=True)
class Views:
    """The test-time views one member sees: the image, and with `flips` its mirror, with `shift` > 0 each moved
    `shift` pixels up, down, left and right (the mirror too)."""

    flips: bool
    shift: int

    @property
    def count(self) -> int:
        return (2 if self.flips else 1) * (5 if self.shift else 1)


def member_views(flips_asked: bool, shift_asked: int, trained_flips: bool, trained_shift_pixels: int) -> Views:
    """The views asked for that the member's training augmentation covers."""
    return Views(flips=flips_asked and trained_flips, shift=shift_asked if trained_shift_pixels >= shift_asked else 0)


def view_layers(inputs, views: Views, prefix: str) -> list:
    """The member's views of `inputs`, the image itself first."""
    images = [inputs]
    if views.flips:
        images.append(HorizontalFlip(name=f"{prefix}_flipped")(inputs))
    if views.shift:
        moves = ((-views.shift, 0), (views.shift, 0), (0, -views.shift), (0, views.shift))
        images += [
            Shift(rows, columns, name=f"{prefix}_{index}_shifted_{position}")(image)
            for index, image in enumerate(list(images))
            for position, (rows, columns) in enumerate(moves)
        ]
    return images


def build_ensemble(members: list[keras.Model], views: list[Views], name: str) -> keras.Model:
    """The model whose output is the mean of every member's probabilities over its views.

    Members are used as they are (their weights are shared, not copied) and
    must take the same input shape; `views[i]` is member i's.
    """
    inputs = keras.Input(shape=tuple(members[0].inputs[0].shape[1:]), name="image")
    probabilities = [
        member(view)
        for index, (member, member_views) in enumerate(zip(members, views, strict=True))
        for view in view_layers(inputs, member_views, f"member_{index}")
    ]
    outputs = keras.layers.Average(name="probabilities", dtype="float32")(probabilities)
    return keras.Model(inputs, outputs, name=name)
