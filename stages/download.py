"""Stage download: fetch the four original gzip files into data/raw/, verified."""

from fashion.core import paths
from fashion.core.cli import stage_entry_point
from fashion.core.dataset import DATASET_FILES
from fashion.core.interrupts import exit_with
from fashion.core.params import load_params
from fashion.data.download import download_all


@stage_entry_point("download")
def main(argv=None) -> str:
    params = load_params(paths.PARAMS_FILE).download
    sources = download_all(
        file_names=DATASET_FILES,
        sha256=params.checksums,
        mirrors=params.mirrors,
        destination=paths.RAW_DIR,
        timeout_seconds=params.timeout_seconds,
        attempts_per_mirror=params.attempts_per_mirror,
    )
    used = sorted(set(sources.values()))
    return f"{len(sources)} files verified in {paths.RAW_DIR}, from {', '.join(used)}"


if __name__ == "__main__":
    exit_with(main())
