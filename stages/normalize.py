"""Stage normalize: parse IDX, split off a stratified validation set, scale to [0, 1]."""

from fashion.core import paths
from fashion.core.atomic import write_json
from fashion.core.cli import stage_entry_point
from fashion.core.dataset import CLASS_NAMES, scale_pixels
from fashion.core.interrupts import exit_with
from fashion.core.params import load_params
from fashion.data.arrays import save_split, write_checksums
from fashion.data.split import count_per_class, read_splits


@stage_entry_point("normalize")
def main(argv=None) -> str:
    settings = load_params(paths.PARAMS_FILE)
    params = settings.normalize
    splits = read_splits(paths.RAW_DIR, settings.download.checksums, params.validation_fraction, params.seed)
    for split, (images, labels) in splits.items():
        save_split(paths.PROCESSED_DIR, split, scale_pixels(images), labels)
    write_checksums(paths.PROCESSED_DIR)
    for split, (_, labels) in splits.items():
        write_json(paths.data_metrics_file(split), {"total": len(labels), **count_per_class(labels, CLASS_NAMES)})
    sizes = ", ".join(f"{split} {len(labels)}" for split, (_, labels) in splits.items())
    return f"wrote {sizes} images to {paths.PROCESSED_DIR}"


if __name__ == "__main__":
    exit_with(main())
