"""The other sections of params.yaml: download, normalize, lr_find, ensembles, students, baselines, evaluate,
distribute and export, each read against its declared keys."""

from dataclasses import replace

from fashion.core.errors import PipelineError
from fashion.core.params.checks import (
    check_choice,
    check_entry_name,
    check_key,
    check_mapping,
    invalid_value,
    optional_section,
    read_keys,
)
from fashion.core.params.model_entries import model_names, parse_model
from fashion.core.params.records import (
    Augmentation,
    BaselineParams,
    DistributeParams,
    DownloadParams,
    EnsembleParams,
    EvaluateParams,
    ExportParams,
    LrFindParams,
    NormalizeParams,
    StudentParams,
)
from fashion.core.params.schema import (
    BASELINE_KEYS,
    DISTRIBUTE_KEYS,
    DOWNLOAD_KEYS,
    DOWNLOAD_KEYS_BY_NAME,
    ENSEMBLE_KEYS,
    EVALUATE_KEYS,
    EXPORT_BEST,
    EXPORT_KEYS,
    LR_FIND_KEYS,
    NORMALIZE_KEYS,
    SECTION_RULES,
    STUDENT_KEYS,
    Key,
)


def parse_download(raw: dict) -> DownloadParams:
    return DownloadParams(**_read_section(raw, "download", DOWNLOAD_KEYS))


def parse_checksums(raw: dict) -> dict[str, str]:
    """Only `download.sha256`: the pinned content hash of each dataset file."""
    section = check_mapping(raw.get("download"), "download")
    if "sha256" not in section:
        raise PipelineError("params.yaml: missing key 'download.sha256' (SHA-256 of each dataset file's content).")
    return check_key(DOWNLOAD_KEYS_BY_NAME["sha256"], section["sha256"], "download.sha256")


def parse_normalize(raw: dict) -> NormalizeParams:
    return NormalizeParams(**_read_section(raw, "normalize", NORMALIZE_KEYS))


def parse_lr_find(raw: dict) -> LrFindParams:
    return LrFindParams(**_read_section(raw, "lr_find", LR_FIND_KEYS))


def parse_ensembles(raw: dict) -> dict[str, EnsembleParams]:
    """Validate `ensembles:` (may be absent or empty): each averages models of `models:`."""
    ensembles = optional_section(raw, "ensembles")
    models = model_names(raw)
    parsed = {}
    for name in ensembles:
        where = f"ensembles.{name}"
        check_entry_name(name, where, models, "model entry")
        values = read_keys(check_mapping(ensembles[name], where), where, ENSEMBLE_KEYS)
        members = values["members"]
        for member in members:
            check_choice(member, f"{where}.members", models)
        augmentations = [parse_model(raw, member).augmentation for member in members]
        _check_test_time_views(values, augmentations, where)
        parsed[name] = EnsembleParams(name=name, **values)
    return parsed


def student_names(raw: dict) -> tuple[str, ...]:
    """Every entry of `students:` (may be absent or empty)."""
    return tuple(optional_section(raw, "students"))


def parse_students(raw: dict) -> dict[str, StudentParams]:
    """Validate `students:`: each names a recipe of `models:` and a teacher of `ensembles:`, and a new name.

    A refit recipe is refused (the distill stage keeps validation for the
    student's scores), and so is a teacher with a refit member: it learnt the
    validation images, so the student would learn them through its targets.
    """
    students = optional_section(raw, "students")
    recipes = tuple(check_mapping(raw.get("models"), "models"))
    ensembles = parse_ensembles(raw)
    taken = (*model_names(raw), *ensembles, *baseline_names(raw))
    parsed = {}
    for name in students:
        where = f"students.{name}"
        check_entry_name(name, where, taken, "model, ensemble or baseline")
        values = read_keys(check_mapping(students[name], where), where, STUDENT_KEYS)
        recipe = parse_model(raw, check_choice(values["recipe"], f"{where}.recipe", recipes))
        if recipe.refit:
            raise invalid_value(f"{where}.recipe", "an entry without refit: true (the student is scored on validation)",
                           recipe.name)  # fmt: skip
        teacher = ensembles.get(check_choice(values["teacher"], f"{where}.teacher", tuple(ensembles)))
        refit_members = [member for member in teacher.members if parse_model(raw, member).refit]
        if refit_members:
            raise invalid_value(f"{where}.teacher", f"an ensemble without refit members ({refit_members[0]} learnt the "
                           "validation images, which the student's targets would pass on)", teacher.name)  # fmt: skip
        model = replace(recipe, name=name)  # the recipe, trained under the student's name
        parsed[name] = StudentParams(name, model, teacher.name, values["teacher_weight"])
    return parsed


def baseline_names(raw: dict) -> tuple[str, ...]:
    """Every entry of `baselines:` (may be absent or empty)."""
    return tuple(optional_section(raw, "baselines"))


def parse_baselines(raw: dict) -> dict[str, BaselineParams]:
    """Validate `baselines:`: each entry's keys, and names no model or ensemble uses."""
    return {name: parse_baseline(raw, name) for name in baseline_names(raw)}


def parse_baseline(raw: dict, name: str) -> BaselineParams:
    """One entry of `baselines:`; the estimator and its arguments are checked against scikit-learn by its stage."""
    baselines = optional_section(raw, "baselines")
    where = f"baselines.{name}"
    if name not in baselines:
        raise PipelineError(f"params.yaml: no baseline named '{name}' (known: {', '.join(baselines) or 'none'}).")
    taken = (*model_names(raw), *optional_section(raw, "ensembles"))
    check_entry_name(name, where, taken, "model or ensemble")
    return BaselineParams(name=name, **read_keys(check_mapping(baselines[name], where), where, BASELINE_KEYS))


def _check_test_time_views(values: dict, augmentations: list[Augmentation], where: str) -> None:
    """Test-time views go only to members trained on them; a view no member takes, or an ensemble of one
    member that sees nothing but the image itself (a copy of the model), is rejected."""
    flips, shift = values["flip_test_time_augmentation"], values["shift_test_time_augmentation"]
    if flips and not any(augmentation.horizontal_flip for augmentation in augmentations):
        raise invalid_value(f"{where}.flip_test_time_augmentation",
                       "false: no member trained with augmentation.horizontal_flip", flips)  # fmt: skip
    if shift and not any(augmentation.shift_pixels >= shift for augmentation in augmentations):
        raise invalid_value(f"{where}.shift_test_time_augmentation",
                       "0, or at most a member's augmentation.shift_pixels", shift)  # fmt: skip
    if len(values["members"]) < 2 and not (flips or shift):
        raise invalid_value(
            f"{where}.members",
            "a list of different model names: at least two, or one with test-time augmentation",
            list(values["members"]),
        )


def parse_evaluate(raw: dict) -> EvaluateParams:
    return EvaluateParams(**_read_section(raw, "evaluate", EVALUATE_KEYS))


def parse_distribute(raw: dict) -> DistributeParams:
    return DistributeParams(**_read_section(raw, "distribute", DISTRIBUTE_KEYS))


def parse_export(raw: dict) -> ExportParams:
    model = _read_section(raw, "export", EXPORT_KEYS)["model"]
    allowed = (EXPORT_BEST, *model_names(raw), *student_names(raw))
    return ExportParams(model=check_choice(model, "export.model", allowed))


def _read_section(raw: dict, name: str, keys: tuple[Key, ...]) -> dict:
    """The section `name` of params.yaml, checked against its `keys`: a dict of their validated values."""
    if name not in raw:
        raise PipelineError(
            f"params.yaml: missing section '{name}'; it needs the keys {', '.join(key.name for key in keys)}."
        )
    values = read_keys(check_mapping(raw[name], name), name, keys)
    for broken, key, allowed in SECTION_RULES.get(name, ()):
        if broken(values):
            raise invalid_value(f"{name}.{key}", allowed, values[key])
    return values
