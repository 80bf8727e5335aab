"""What every section of params.yaml shares: strict, frozen, no unknown keys; and the small types they reuse.

Strict: YAML already gives numbers, booleans and strings their types (as DVC
reads them), so nothing is converted; `"5"` is not an integer and `1.0` is not
an epoch count. Unknown keys are refused because `dvc exp run -S` silently
adds a misspelled key, which would otherwise train with the default.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, Strict

# Lists in YAML are tuples here (frozen values); only their items are strict.
Units = Annotated[tuple[Annotated[int, Field(ge=1)], ...], Strict(False), Field(min_length=1)]


class Section(BaseModel):
    """A mapping of params.yaml: each key a `Field` with its type, default, bounds and help."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


class Entry(Section):
    """A named entry of a section such as `models:`; `Params` tells it its name and section once checked."""

    _name: str = PrivateAttr("")
    _section: str = PrivateAttr("")

    @property
    def name(self) -> str:
        return self._name

    @property
    def where(self) -> str:
        """Its path in params.yaml, such as models.cnn."""
        return f"{self._section}.{self._name}"

    def named(self, section: str, name: str) -> "Entry":
        """This entry, told where it stands (private attributes are settable on frozen models)."""
        self._section, self._name = section, name
        return self
