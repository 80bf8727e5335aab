"""The plots page as users see it: DVC's own panels, each drawn by a real Vega engine (vl-convert).

`dvc plots show --json` gives the Vega-Lite specs DVC fills from the plot files;
vl-convert renders them with Vega itself, no browser. Checked on a tiny run of
the real pipeline, on two revisions of it (`dvc plots diff`), and on the
committed plots of the full run, from which the README's pictures are made.
"""

import shutil
import subprocess

import pytest
import yaml
from conftest import run
from synthetic import REPOSITORY_ROOT

from fashion.evaluation.plots_page import dvc_panels, render, write_images, write_page

MAXIMUM_PANELS = 15
MAXIMUM_PAGE_BYTES = 2 * 1024 * 1024
README_PICTURES = "docs/images/plots"  # fashion-plots --images docs/images/plots


def encoded_fields(node) -> set[str]:
    """The data fields a Vega-Lite spec's x and y encodings read, in every layer and facet."""
    fields = set()
    if isinstance(node, dict):
        for channel in ("x", "y"):
            definition = (node.get("encoding") or {}).get(channel)
            if isinstance(definition, dict) and "field" in definition:
                fields.add(definition["field"])
        for value in node.values():
            fields |= encoded_fields(value)
    elif isinstance(node, list):
        for value in node:
            fields |= encoded_fields(value)
    return fields


def check_panels(panels: dict, repository, revisions: set[str]) -> None:
    """At most MAXIMUM_PANELS; each Vega panel holds rows of every revision with the fields it draws, and renders."""
    assert 1 <= len(panels) <= MAXIMUM_PANELS, list(panels)
    for panel_id, items in panels.items():
        for item in items:
            if item["type"] != "vega":
                assert (repository / item["url"]).stat().st_size > 0, panel_id
                continue
            spec = item["content"]
            rows = spec["data"]["values"]
            assert {row["rev"] for row in rows} == revisions, panel_id
            for field in encoded_fields(spec):
                assert all(field in row for row in rows), (panel_id, field)
            svg = render(spec, "svg")
            assert svg.startswith("<svg") and svg.count("<path") >= 10, panel_id  # marks were drawn


def page_bytes(repository, output) -> int:
    run(["dvc", "plots", "show", "-o", str(output)], repository)
    return sum(path.stat().st_size for path in output.rglob("*") if path.is_file())


@pytest.mark.slow
@pytest.mark.xdist_group("reproduced_repository")  # one worker builds the shared repository
def test_every_panel_of_a_real_run_is_drawn_with_its_data(reproduced_repository, tmp_path):
    panels = dvc_panels([], reproduced_repository)
    assert set(panels) == {
        "accuracy",
        "loss",
        "learning_rate_sweep",
        "confusion",
        "per_class_f1",
        "plots/predictions.png",
    }
    check_panels(panels, reproduced_repository, {"workspace"})
    assert page_bytes(reproduced_repository, tmp_path / "page") <= MAXIMUM_PAGE_BYTES
    # The sweep marks its suggested rate: the rate lr_find recorded, on every row.
    suggested = yaml.safe_load((reproduced_repository / "metrics" / "lr_find.json").read_text())
    sweep_rows = panels["learning_rate_sweep"][0]["content"]["data"]["values"]
    assert {float(row["suggested_learning_rate"]) for row in sweep_rows} == {suggested["suggested_learning_rate"]}
    # The confusion matrix's classes in class order, not alphabetical.
    confusion_rows = panels["confusion"][0]["content"]["data"]["values"]
    assert [row["actual"] for row in confusion_rows[::10]][:2] == ["T-shirt/top", "Trouser"]


@pytest.mark.slow
@pytest.mark.xdist_group("reproduced_repository")
def test_two_revisions_overlay_and_the_offline_page_needs_no_network(reproduced_repository, tmp_path):
    repository = tmp_path / "repository"
    shutil.copytree(reproduced_repository, repository, symlinks=True)
    params = yaml.safe_load((repository / "params.yaml").read_text())
    name = next(iter(params["models"]))
    params["models"][name]["seed"] += 1
    (repository / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(["dvc", "repro"], repository)

    panels = dvc_panels(["HEAD"], repository)
    check_panels(panels, repository, {"HEAD", "workspace"})
    page = tmp_path / "static" / "index.html"
    write_page(panels, page, repository)
    text = page.read_text()
    assert text.count("<svg") == sum(item["type"] == "vega" for items in panels.values() for item in items)
    assert "<script" not in text and "http://" not in text.replace("http://www.w3.org/", "")
    assert "https://" not in text and "data:image/png;base64," in text


def committed_clone(tmp_path):
    """A clone of the committed revision: the plots as committed, whatever the workspace's own run left."""
    clone = tmp_path / "committed"
    subprocess.run(["git", "clone", "-q", "--depth", "1", REPOSITORY_ROOT.as_uri(), str(clone)], check=True)
    return clone


def test_the_committed_page_is_small_and_the_readme_pictures_are_drawn_from_it(tmp_path):
    clone = committed_clone(tmp_path)
    panels = dvc_panels([], clone)
    check_panels(panels, clone, {"workspace"})
    assert page_bytes(clone, tmp_path / "page") <= MAXIMUM_PAGE_BYTES
    drawn = {path.name: path.read_bytes() for path in write_images(panels, tmp_path / "pictures")}
    committed = {path.name: path.read_bytes() for path in (clone / README_PICTURES).glob("*.png")}
    assert drawn.keys() == committed.keys()
    stale = [name for name in drawn if drawn[name] != committed[name]]
    assert not stale, f"{stale}: run `fashion-plots --images {README_PICTURES}` and commit"
    readme = (clone / "README.md").read_text()
    assert all(f"{README_PICTURES}/{name}" in readme for name in ("accuracy.png", "confusion.png"))
