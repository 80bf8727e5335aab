"""The PNG figures: confusion heatmap, prediction grid, learning curves, sweep.

Drawn with matplotlib's non-interactive Agg backend and saved atomically.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from fashion.core.atomic import atomic_path
from fashion.training.history import has_validation

# Fixed metadata keeps PNG bytes identical across runs of the same data.
PNG_METADATA = {"Software": None}


def save_figure(figure, target) -> None:
    """Save and close a figure, atomically."""
    with atomic_path(target) as temporary:
        figure.savefig(temporary, dpi=100, bbox_inches="tight", metadata=PNG_METADATA)
    plt.close(figure)


def confusion_heatmap(confusion: np.ndarray, class_names, title: str, target) -> None:
    """A heatmap of counts[actual, predicted] with class names and counts written in."""
    figure, axes = plt.subplots(figsize=(9, 8))
    image = axes.imshow(confusion, cmap="Blues")
    figure.colorbar(image, ax=axes, fraction=0.046)
    ticks = np.arange(len(class_names))
    axes.set_xticks(ticks, class_names, rotation=45, ha="right")
    axes.set_yticks(ticks, class_names)
    axes.set_xlabel("Predicted label")
    axes.set_ylabel("True label")
    axes.set_title(title)
    threshold = confusion.max() / 2
    for actual in ticks:
        for predicted in ticks:
            count = confusion[actual, predicted]
            color = "white" if count > threshold else "black"
            axes.text(predicted, actual, str(count), ha="center", va="center", color=color, fontsize=8)
    save_figure(figure, target)


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


def learning_curves(histories: dict[str, dict[str, list[float]]], target) -> None:
    """Accuracy and loss per epoch of every model; solid training, dashed validation (none for a refit model)."""
    figure, (accuracy_axes, loss_axes) = plt.subplots(1, 2, figsize=(13, 5))
    for index, (name, history) in enumerate(histories.items()):
        color = f"C{index % 10}"
        epochs = np.arange(1, len(history["loss"]) + 1)
        accuracy_axes.plot(epochs, history["accuracy"], color=color, label=f"{name} training")
        loss_axes.plot(epochs, history["loss"], color=color, label=f"{name} training")
        if has_validation(history):  # a refit model has none
            accuracy_axes.plot(epochs, history["val_accuracy"], color=color, linestyle="--", label=f"{name} validation")
            loss_axes.plot(epochs, history["val_loss"], color=color, linestyle="--", label=f"{name} validation")
    accuracy_axes.set(title="Accuracy", xlabel="epoch", ylabel="accuracy")
    loss_axes.set(title="Loss", xlabel="epoch", ylabel="cross-entropy", yscale="log")
    accuracy_axes.legend(fontsize=8)
    for axes in (accuracy_axes, loss_axes):
        axes.grid(alpha=0.3)
    save_figure(figure, target)


def learning_rate_sweep(learning_rates, losses, smoothed_losses, suggestion: float, target) -> None:
    """Validation loss against learning rate on a log axis, with the suggestion marked."""
    figure, axes = plt.subplots(figsize=(8, 5))
    axes.semilogx(learning_rates, losses, marker="o", markersize=3, alpha=0.5, label="validation loss")
    axes.semilogx(learning_rates, smoothed_losses, label="smoothed")
    axes.axvline(suggestion, color="red", linestyle="--", label=f"suggested {suggestion:.2e}")
    axes.set(xlabel="learning rate (log scale)", ylabel="validation loss", title="Learning-rate sweep")
    axes.grid(alpha=0.3, which="both")
    axes.legend()
    save_figure(figure, target)
