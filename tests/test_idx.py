"""IDX parsing: good files, corrupt headers, truncation, mismatched pairs."""

import gzip

import numpy as np
import pytest
from synthetic import idx_bytes, write_idx_gz

from fashion.core.errors import PipelineError
from fashion.data.idx import parse_idx, read_idx, read_images_and_labels


def test_round_trip_of_images_and_labels(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint64).reshape(2, 28, 28).astype(np.uint8)
    labels = np.array([3, 9], dtype=np.uint8)
    write_idx_gz(tmp_path / "images.gz", images)
    write_idx_gz(tmp_path / "labels.gz", labels)
    read_images, read_labels = read_images_and_labels(tmp_path / "images.gz", tmp_path / "labels.gz", 28, 10)
    np.testing.assert_array_equal(read_images, images)
    np.testing.assert_array_equal(read_labels, labels)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x00\x00\x08", "fewer than its 8-byte header"),
        (b"\x00\x00\x0d\x01" + (2).to_bytes(4, "big") + b"\x01\x02", "magic number is 00000d01"),
        (b"\x00\x00\x08\x03" + (2).to_bytes(4, "big") + b"\x01\x02", "magic number is 00000803"),
        (b"\x00\x00\x08\x01" + (5).to_bytes(4, "big") + b"\x01\x02", "truncated"),
        (b"\x00\x00\x08\x01" + (1).to_bytes(4, "big") + b"\x01\x02", "longer than its header says"),
    ],
)
def test_corrupt_content_is_named_with_the_file(tmp_path, content, problem):
    with pytest.raises(PipelineError, match=problem) as raised:
        parse_idx(content, dimensions=1, path=tmp_path / "labels.gz")
    assert "labels.gz is corrupt" in str(raised.value)
    assert "dvc repro download" in str(raised.value)


def test_truncated_gzip_file_is_reported(tmp_path):
    path = tmp_path / "images.gz"
    payload = gzip.compress(idx_bytes(np.zeros((4, 28, 28), dtype=np.uint8)))
    path.write_bytes(payload[: len(payload) // 2])
    with pytest.raises(PipelineError, match=r"images\.gz is corrupt: it is not a complete gzip file"):
        read_idx(path, dimensions=3)


def test_missing_file_names_the_stage_to_run(tmp_path):
    with pytest.raises(PipelineError, match=r"missing\. Run `dvc repro download`"):
        read_idx(tmp_path / "absent.gz", dimensions=1)


def test_images_and_labels_must_agree(tmp_path):
    write_idx_gz(tmp_path / "images.gz", np.zeros((3, 28, 28), dtype=np.uint8))
    write_idx_gz(tmp_path / "labels.gz", np.zeros(2, dtype=np.uint8))
    with pytest.raises(PipelineError, match="2 labels for 3 images"):
        read_images_and_labels(tmp_path / "images.gz", tmp_path / "labels.gz", 28, 10)


def test_labels_out_of_range_are_rejected(tmp_path):
    write_idx_gz(tmp_path / "images.gz", np.zeros((1, 28, 28), dtype=np.uint8))
    write_idx_gz(tmp_path / "labels.gz", np.array([10], dtype=np.uint8))
    with pytest.raises(PipelineError, match="label 10, but there are only 10 classes"):
        read_images_and_labels(tmp_path / "images.gz", tmp_path / "labels.gz", 28, 10)
