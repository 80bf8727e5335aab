"""The one PNG figure: the exported model's prediction grid (the other plots are DVC's, drawn by Vega).

Drawn with matplotlib's non-interactive Agg backend and saved atomically.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from fashion.core.atomic import atomic_path

# Fixed metadata keeps PNG bytes identical across runs of the same data.
PNG_METADATA = {"Software": None}


def save_figure(figure, target) -> None:
    """Save and close a figure, atomically."""
    with atomic_path(target) as temporary:
        figure.savefig(temporary, dpi=100, bbox_inches="tight", metadata=PNG_METADATA)
    plt.close(figure)


def prediction_grid(images, true_labels, predicted_labels, confidences, class_names, rows, columns, title, target):
    """Random test images titled 'predicted (confidence) / true'; wrong ones in red."""
    figure, axes_grid = plt.subplots(rows, columns, figsize=(2.2 * columns, 2.5 * rows), squeeze=False)
    for axes, image, true, predicted, confidence in zip(
        axes_grid.flat, images, true_labels, predicted_labels, confidences, strict=False
    ):
        correct = true == predicted
        axes.imshow(image, cmap="binary")
        mark = "" if correct else "✗ "
        axes.set_title(
            f"{mark}{class_names[predicted]} ({confidence:.0%})\ntrue: {class_names[true]}",
            color="green" if correct else "red",
            fontsize=9,
        )
        axes.axis("off")
    for axes in list(axes_grid.flat)[len(images) :]:
        axes.axis("off")
    figure.suptitle(title)
    save_figure(figure, target)
