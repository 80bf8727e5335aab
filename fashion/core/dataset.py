"""What Fashion-MNIST is (its four files, its ten classes) and how its pixels become model inputs.

The SHA-256 of each file's decompressed content is pinned in `params.yaml`
(`download.sha256`), next to the mirrors it guards.
"""

import numpy as np

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
NUMBER_OF_CLASSES = len(CLASS_NAMES)
IMAGE_SIZE = 28

TRAIN_IMAGES_FILE = "train-images-idx3-ubyte.gz"
TRAIN_LABELS_FILE = "train-labels-idx1-ubyte.gz"
TEST_IMAGES_FILE = "t10k-images-idx3-ubyte.gz"
TEST_LABELS_FILE = "t10k-labels-idx1-ubyte.gz"
DATASET_FILES = (TRAIN_IMAGES_FILE, TRAIN_LABELS_FILE, TEST_IMAGES_FILE, TEST_LABELS_FILE)
# Bytes of each file's decompressed IDX content (header, then one byte per pixel or label), fixed by the
# dataset's 60,000 training and 10,000 test images: the download reads no more than this, plus gzip's overhead.
CONTENT_BYTES = {
    TRAIN_IMAGES_FILE: 16 + 60_000 * IMAGE_SIZE * IMAGE_SIZE,
    TRAIN_LABELS_FILE: 8 + 60_000,
    TEST_IMAGES_FILE: 16 + 10_000 * IMAGE_SIZE * IMAGE_SIZE,
    TEST_LABELS_FILE: 8 + 10_000,
}

# Images per batch wherever a model only predicts (validation, evaluation,
# ensembles, export checks): large enough to amortize each call, small enough for any laptop.
INFERENCE_BATCH_SIZE = 500


def scale_pixels(images: np.ndarray) -> np.ndarray:
    """uint8 pixels 0..255 as float32 0..1, as the study did (divide by 255): every model's input."""
    return np.asarray(images, dtype=np.float32) / np.float32(255.0)
