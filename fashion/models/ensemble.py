"""Ensembles: one Keras model that averages the class probabilities of its members.

The ensemble is an ordinary model (same (28, 28) input, same 10 probabilities),
so the evaluate stage scores it like any other and `predict.py` can serve it.
With test-time augmentation a member also sees other views of each image --
mirrored left to right, shifted by a pixel or more up, down, left and right, and
the mirrored image shifted likewise -- but only the views its own training
augmentation showed it (a network never trained on mirrored images is not asked
about them). Each member's views are averaged first; the members' averages are
then averaged with integer weights (1 each, unless a selection rule repeated a
member), so a member's vote does not grow with its number of views.
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
        return len(self.offsets)

    @property
    def offsets(self) -> tuple[tuple[bool, int, int], ...]:
        """Each view as (mirrored, rows moved, columns moved), the image itself first, in `view_layers`' order."""
        bases = [False, True] if self.flips else [False]
        moves = ((-self.shift, 0), (self.shift, 0), (0, -self.shift), (0, self.shift)) if self.shift else ()
        return (*((mirrored, 0, 0) for mirrored in bases),
                *((mirrored, rows, columns) for mirrored in bases for rows, columns in moves))  # fmt: skip

    @property
    def label(self) -> str:
        """A short name for the views: `image`, `flip`, `shift 1`, `flip, shift 1`."""
        parts = [part for part, present in (("flip", self.flips), (f"shift {self.shift}", self.shift)) if present]
        return ", ".join(parts) or "image"

    def subsets(self) -> list["Views"]:
        """Every smaller choice of these views (the image alone first), these included: a selection's candidates."""
        return [Views(flips, shift) for flips in sorted({False, self.flips}) for shift in sorted({0, self.shift})]


def member_views(flips_asked: bool, shift_asked: int, trained_flips: bool, trained_shift_pixels: int) -> Views:
    """The views asked for that the member's training augmentation covers."""
    return Views(flips=flips_asked and trained_flips, shift=shift_asked if trained_shift_pixels >= shift_asked else 0)


def view_layers(inputs, views: Views, prefix: str) -> list:
    """The member's views of `inputs`, in the order of `views.offsets`."""
    mirrored = HorizontalFlip(name=f"{prefix}_flipped")(inputs) if views.flips else None
    return [
        (mirrored if flipped else inputs) if (rows, columns) == (0, 0)
        else Shift(rows, columns, name=f"{prefix}_{int(flipped)}_shifted_{index}")(mirrored if flipped else inputs)
        for index, (flipped, rows, columns) in enumerate(views.offsets)
    ]  # fmt: skip


def per_view_model(member: keras.Model, views: Views) -> keras.Model:
    """A model whose outputs are `member`'s probabilities for each of `views`, in `views.offsets`' order."""
    inputs = keras.Input(shape=tuple(member.inputs[0].shape[1:]), name="image")
    return keras.Model(inputs, [member(view) for view in view_layers(inputs, views, "member")], name="views")


def build_ensemble(
    members: list[keras.Model], views: list[Views], name: str, weights: list[int] | None = None
) -> keras.Model:
    """The model whose output is the weighted mean over members of each member's mean over its views.

    Members are used as they are (their weights are shared, not copied) and
    must take the same input shape; `views[i]` is member i's and `weights[i]`
    (a whole number, 1 each by default) how many votes its average counts for.
    """
    weights = weights or [1] * len(members)
    inputs = keras.Input(shape=tuple(members[0].inputs[0].shape[1:]), name="image")
    votes = []
    for index, (member, member_views, weight) in enumerate(zip(members, views, weights, strict=True)):
        probabilities = [member(view) for view in view_layers(inputs, member_views, f"member_{index}")]
        if len(probabilities) > 1:
            probabilities = [keras.layers.Average(name=f"member_{index}_views", dtype="float32")(probabilities)]
        votes += probabilities * weight  # the same tensor counted `weight` times
    outputs = keras.layers.Average(name="probabilities", dtype="float32")(votes)
    return keras.Model(inputs, outputs, name=name)
