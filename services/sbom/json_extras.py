"""The one place where CycloneDX JSON gets what cyclonedx-python-lib has no model for.

The library writes the document; `extend` adds `compositions` (which dependency lists are
complete) and `formulation` (how the package was built) as plain JSON, following the 1.6
schema. The tests validate the result with the library's strict schema validator.
"""

from __future__ import annotations

from collections.abc import Mapping

from packageurl import PackageURL

from services.sbom.facts import Facts


def _exact(requirement: str) -> tuple[str, str, str] | None:
    """(name, version, build) for an exact pin `name version build` of a rendered recipe."""
    parts = requirement.split()
    if len(parts) != 3 or any(ch in parts[1] for ch in "<>=*|,"):
        return None
    return parts[0], parts[1], parts[2]


def _build_component(kind: str, name: str, version: str, build: str, extra: Mapping) -> dict:
    qualifiers = {"build": build}
    if extra.get("subdir"):
        qualifiers["subdir"] = extra["subdir"]
    purl = PackageURL(type="conda", name=name, version=version, qualifiers=qualifiers).to_string()
    component = {
        "type": "library",
        "bom-ref": f"formulation:{kind}:{name}-{version}-{build}",
        "name": name,
        "version": version,
        "purl": purl,
        "properties": [{"name": "conda:build:requirement", "value": kind}],
    }
    if extra.get("sha256"):
        component["hashes"] = [{"alg": "SHA-256", "content": extra["sha256"]}]
    return component


def build_environment(recipe: Mapping) -> list[dict]:
    """The exact build and host packages: rattler-build's resolved records, or conda-build's
    rendered `name version build` pins."""
    found: dict[str, dict] = {}
    for kind in ("build", "host"):
        records = recipe.get(f"{kind}_packages")
        if records:
            for record in records:
                component = _build_component(
                    kind,
                    record["name"],
                    str(record["version"]),
                    str(record.get("build", "")),
                    record,
                )
                found.setdefault(component["bom-ref"], component)
            continue
        for requirement in (recipe.get("requirements") or {}).get(kind) or ():
            exact = _exact(requirement)
            if exact is not None:
                component = _build_component(kind, *exact, {})
                found.setdefault(component["bom-ref"], component)
    return list(found.values())


def formulation(facts: Facts) -> list[dict] | None:
    """How the package was built: the builder (a workflow) and the exact packages it used."""
    contents = facts.contents
    if contents is None:
        return None
    recipe = contents.get("recipe") or {}
    about = contents.get("about") or {}
    builder = recipe.get("builder")
    if not builder:
        return None
    tool_version = about.get("conda_build_version") if builder == "conda-build" else None
    tools = recipe.get("tools") or {}
    tool_version = tool_version or tools.get(builder)
    properties = [{"name": "conda:build:builder", "value": builder}]
    if tool_version:
        properties.append({"name": "conda:build:builder-version", "value": str(tool_version)})
    if recipe.get("rendered"):
        properties.append(
            {"name": "conda:build:recipe", "value": f"info/recipe/{recipe['rendered']}"}
        )
    extra = about.get("extra") if isinstance(about.get("extra"), Mapping) else {}
    for key in ("remote_url", "sha", "flow_run_id"):
        if extra.get(key):
            properties.append(
                {"name": f"conda:build:{key.replace('_', '-')}", "value": str(extra[key])}
            )
    filename = facts.file["filename"]
    formula: dict = {
        "bom-ref": f"formulation:{filename}",
        "workflows": [
            {
                "bom-ref": f"formulation:{filename}:build",
                "uid": f"{builder}:{filename}",
                "name": f"{builder} {tool_version or ''}".strip() + f" build of {filename}",
                "taskTypes": ["build"],
                "properties": properties,
            }
        ],
    }
    components = build_environment(recipe)
    if components:
        formula["components"] = components
    return [formula]


def extend(document: dict, *, compositions: list[dict], formulation: list[dict] | None) -> dict:
    """Add what the library cannot write to its JSON output (in schema order at the end)."""
    document["compositions"] = compositions
    if formulation:
        document["formulation"] = formulation
    return document
