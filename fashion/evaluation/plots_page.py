"""The plots page without a browser or a network: every panel of `dvc plots show`, drawn by Vega.

`dvc plots show` writes an HTML page that loads Vega from a CDN, so offline it
shows nothing. This asks DVC for the same panels (`dvc plots show --json`, or
`dvc plots diff <revisions> --json` to overlay revisions), renders each
Vega-Lite spec to SVG with vl-convert (Vega's own engine, bundled: no browser,
no network) and writes one self-contained page. `--images` also writes each
panel as a PNG, which is how the README's pictures are made.

    fashion-plots                       # dvc_plots_static/index.html, the workspace
    fashion-plots HEAD~1                # the two revisions overlaid, as `dvc plots diff HEAD~1`
    fashion-plots --images docs/images  # the README's pictures, from the plots in the workspace
"""

import argparse
import base64
import html
import json
import subprocess
import sys
from pathlib import Path

# Bound on what DVC's JSON may hold: the committed page is about 0.3 MB.
MAXIMUM_JSON_BYTES = 64 * 1024 * 1024
DVC_TIMEOUT_SECONDS = 300


def dvc_panels(revisions: list[str], repository: Path) -> dict[str, list[dict]]:
    """DVC's panels by id, each a list of {type: vega|image, content|url}, for the workspace or `revisions`."""
    command = ["dvc", "plots", "diff", *revisions, "--json"] if revisions else ["dvc", "plots", "show", "--json"]
    done = subprocess.run(  # DVC from this interpreter's environment, activated or not
        [sys.executable, "-m", *command],
        cwd=repository,
        capture_output=True,
        text=True,
        timeout=DVC_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0 or len(done.stdout) > MAXIMUM_JSON_BYTES:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()[-300:] or 'output too large'}")
    answer = json.loads(done.stdout)
    if answer.get("errors"):
        raise SystemExit(f"{' '.join(command)} reported: {answer['errors'][0]}")
    return answer["data"]


def render(spec: dict, image_format: str) -> bytes | str:
    """One Vega-Lite spec as SVG text or PNG bytes, by vl-convert."""
    import vl_convert

    if image_format == "svg":
        return vl_convert.vegalite_to_svg(spec)
    return vl_convert.vegalite_to_png(spec, scale=1)


def panel_html(panel_id: str, item: dict, repository: Path) -> str:
    """A panel as HTML: the SVG inline, or an image embedded as a data URL."""
    if item["type"] == "vega":
        return render(item["content"], "svg")
    path = Path(item["url"])
    path = path if path.is_absolute() else repository / path
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(panel_id)}" src="data:image/png;base64,{encoded}">'


def write_page(panels: dict[str, list[dict]], target: Path, repository: Path) -> None:
    """One self-contained HTML file: every panel, in dvc.yaml's order, no script and no link."""
    sections = [
        f"<section><h2>{html.escape(panel_id)}</h2>{''.join(panel_html(panel_id, item, repository) for item in items)}"
        "</section>"
        for panel_id, items in panels.items()
    ]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>DVC plots</title>"
        "<style>body{font-family:sans-serif;margin:2em}section{margin-bottom:2em}</style></head><body>"
        + "".join(sections)
        + "</body></html>\n",
        encoding="utf-8",
    )


def write_images(panels: dict[str, list[dict]], directory: Path) -> list[Path]:
    """Each Vega panel as <directory>/<id>.png (the README's pictures)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for panel_id, items in panels.items():
        for item in items:
            if item["type"] == "vega":
                target = directory / f"{Path(panel_id).stem}.png"
                target.write_bytes(render(item["content"], "png"))
                written.append(target)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "revisions", nargs="*", help="revisions to overlay, as for `dvc plots diff` (none: the workspace)"
    )
    parser.add_argument("--out", type=Path, default=Path("dvc_plots_static/index.html"), help="the page to write")
    parser.add_argument("--images", type=Path, help="also write each Vega panel as a PNG into this folder")
    parser.add_argument("--repository", type=Path, default=Path("."), help="the DVC project (default: here)")
    arguments = parser.parse_args(argv)
    panels = dvc_panels(arguments.revisions, arguments.repository)
    write_page(panels, arguments.out, arguments.repository)
    print(f"{len(panels)} panels drawn by Vega into {arguments.out}")
    if arguments.images:
        print(f"{len(write_images(panels, arguments.images))} pictures in {arguments.images}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
