"""Architectures: one module each, owning its entry's keys, description, capabilities and builder.

A module here defines one `ModelEntry` subclass whose `architecture` is a
Literal of the module's name: its fields are the keys an entry of that
architecture may have (with their defaults, bounds and help), its
`description` names the network in a few words, its class variables declare
capabilities (`slow_to_train`), and its `build(precision)` returns the Keras
network, importing TensorFlow only then (so reading params.yaml stays light).
Every module is found here by name, so adding an architecture is one module
plus its entry in params.yaml (docs/extending.md, tests/test_extending.py).
"""

import importlib
import pkgutil

from fashion.core.params.entries import ModelEntry

# An entry without an `architecture` key is one of the study's dense networks.
DEFAULT_ARCHITECTURE = "dense"


def discover() -> dict[str, type[ModelEntry]]:
    """{architecture name: its entry class} for every module of this package, the default first."""
    found = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        classes = [value for value in vars(module).values() if isinstance(value, type)
                   and issubclass(value, ModelEntry) and value.__module__ == module.__name__]  # fmt: skip
        if len(classes) != 1:
            raise TypeError(f"{module.__name__} must define exactly one ModelEntry subclass, not {len(classes)}")
        found[module_info.name] = classes[0]
    return dict(sorted(found.items(), key=lambda item: (item[0] != DEFAULT_ARCHITECTURE, item[0])))


# An entry's `architecture` picks its class.
ENTRY_CLASSES: dict[str, type[ModelEntry]] = discover()
