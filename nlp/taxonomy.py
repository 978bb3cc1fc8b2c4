"""The work-domain taxonomy, loaded from data (``nlp/data/taxonomy.yaml``).

The YAML file is the project's machine-readable copy of ``shared/taxonomy.md``; code never
lists domain codes itself, so adding a domain is a data change plus a version bump.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml

from nlp.resources import read_data_text


@dataclass(frozen=True)
class Domain:
    code: str
    name: str
    definition: str
    cues: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    version: str
    domains: tuple[Domain, ...]
    core: tuple[str, ...]
    section_roles: tuple[str, ...]

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.domains]

    def domain(self, code: str) -> Domain:
        for d in self.domains:
            if d.code == code:
                return d
        raise KeyError(f"unknown domain code {code!r}; known: {', '.join(self.codes)}")


def _parse(data: dict) -> Taxonomy:
    domains = tuple(
        Domain(d["code"], d["name"], d.get("definition", ""), tuple(str(c) for c in d.get("cues", ())))
        for d in data["domains"]
    )
    return Taxonomy(
        version=str(data["version"]),
        domains=domains,
        core=tuple(data.get("core", ())),
        section_roles=tuple(r["code"] for r in data.get("section_roles", ())),
    )


@lru_cache(maxsize=8)
def load_taxonomy(path: str | None = None) -> Taxonomy:
    """Load the taxonomy from ``path`` or the packaged default."""
    return _parse(yaml.safe_load(read_data_text("taxonomy.yaml", path)))
