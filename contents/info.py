"""Pure: the `info/` members of a conda package (name -> bytes) to the contents document.

The document is plain JSON: every later consumer (the metadata API, the SBOM service, the web
page) reads it without this package's code. `SCHEMA` changes whenever its shape does, so a
cached document of an older shape is never served.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import PurePosixPath

import yaml

from contents import copyrights
from contents.bounded import MAX_TEXT
from contents.bounded import MAX_TEXTS
from contents.bounded import cap_texts

# 2: bounded reads (texts capped in all, `limits`); 3: what the archive holds (archive_type,
# hashes_of), sha512, copyrights
SCHEMA = 3
LAYOUT_PATHS_JSON = "paths.json"
LAYOUT_FILES = "info/files"
LAYOUT_NONE = "none"
DEFAULT_PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3"
# the parts of about.json a document keeps (root_pkgs and env_vars can be long or private)
ABOUT_FIELDS = (
    "home",
    "dev_url",
    "doc_url",
    "doc_source_url",
    "license_url",
    "source_url",
    "license",
    "license_family",
    "license_file",
    "summary",
    "description",
    "channels",
    "conda_version",
    "conda_build_version",
    "root_pkgs",
    "extra",
)
_PYTHON_METADATA = re.compile(r"(?:^|/)site-packages/([^/]+)\.(dist-info|egg-info)(?:/|$)")
_EGG_PYTHON_TAG = re.compile(r"-py\d+(?:\.\d+)*$")
_LINK_SCRIPT = re.compile(
    r"^(?:bin|Scripts)/\.[^/]+-(?:pre-link|post-link|pre-unlink)\.(?:sh|bat)$"
)
_ACTIVATION_SCRIPT = re.compile(r"^etc/conda/(?:activate|deactivate|env_vars)\.d/[^/]+$")


def _json(members: Mapping[str, bytes], name: str) -> dict | None:
    raw = members.get(name)
    if raw is None:
        return None
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _text(raw: bytes) -> tuple[str, bool]:
    """The bytes as text (UTF-8, else Latin-1), and whether it was cut at MAX_TEXT (bytes
    that were themselves cut may end inside a UTF-8 character: that tail is dropped)."""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text[:MAX_TEXT], len(text) > MAX_TEXT


def _paths_from_paths_json(document: dict) -> list[dict]:
    entries = []
    for item in document.get("paths") or []:
        if not isinstance(item, dict) or not isinstance(item.get("_path"), str):
            continue
        entries.append(
            {
                "path": item["_path"],
                "path_type": item.get("path_type") or "hardlink",
                "sha256": item.get("sha256"),
                "size": item.get("size_in_bytes"),
                "file_mode": item.get("file_mode"),
                "prefix_placeholder": item.get("prefix_placeholder"),
                "no_link": bool(item.get("no_link", False)),
            }
        )
    return entries


def _has_prefix(members: Mapping[str, bytes]) -> dict[str, tuple[str, str]]:
    """path -> (placeholder, mode) from the old `info/has_prefix` (a bare path means text)."""
    found = {}
    raw = members.get("info/has_prefix")
    for line in _text(raw)[0].splitlines() if raw else ():
        parts = line.strip().split()
        if len(parts) == 3:
            found[parts[2]] = (parts[0], parts[1])
        elif len(parts) == 1:
            found[parts[0]] = (DEFAULT_PLACEHOLDER, "text")
    return found


def _paths_from_files(members: Mapping[str, bytes]) -> list[dict]:
    """The old layout: `info/files` lists paths only (no hashes, sizes or link types)."""
    prefixes = _has_prefix(members)
    no_link = set(_text(members.get("info/no_link", b""))[0].split())
    entries = []
    for line in _text(members["info/files"])[0].splitlines():
        path = line.strip()
        if not path:
            continue
        placeholder, mode = prefixes.get(path, (None, None))
        entries.append(
            {
                "path": path,
                "path_type": None,
                "sha256": None,
                "size": None,
                "file_mode": mode,
                "prefix_placeholder": placeholder,
                "no_link": path in no_link,
            }
        )
    return entries


def _paths(members: Mapping[str, bytes]) -> tuple[list[dict], str, list[str]]:
    """(entries, layout, notes) from paths.json, else info/files."""
    document = _json(members, "info/paths.json")
    if document is not None:
        return _paths_from_paths_json(document), LAYOUT_PATHS_JSON, []
    if "info/files" in members:
        note = (
            "this package has no info/paths.json (an old layout): its paths come from "
            "info/files, which has no hashes, sizes or link types"
        )
        return _paths_from_files(members), LAYOUT_FILES, [note]
    return [], LAYOUT_NONE, ["this package lists no paths (no info/paths.json, no info/files)"]


def _licenses(members: Mapping[str, bytes], digests: Mapping[str, tuple[str, int]]) -> list[dict]:
    """The license texts the package ships: info/licenses/**, else info/LICENSE.txt (sha256
    and size of the whole file from `digests` when only its start was kept)."""
    names = sorted(n for n in members if n.startswith("info/licenses/") and not n.endswith("/"))
    if not names and "info/LICENSE.txt" in members:
        names = ["info/LICENSE.txt"]
    texts = []
    for name in names:
        raw = members[name]
        text, cut = _text(raw)
        sha256, size = digests.get(name) or (hashlib.sha256(raw).hexdigest(), len(raw))
        texts.append(
            {
                "path": name,
                "sha256": sha256,
                "size": size,
                "text": text,
                "truncated": cut,
                "copyrights": copyrights.detect(text),
            }
        )
    return texts


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _first_text(value: object) -> str | None:
    """rattler-build writes one-element URL lists as a string and longer ones as lists."""
    for item in _as_list(value):
        if isinstance(item, str) and item.strip():
            return item.strip()
    return None


def _sources(recipe: Mapping) -> list[dict]:
    """The recipe's sources: url(s) with their digest, or a git url and revision, patches."""
    found = []
    for source in _as_list(recipe.get("source")):
        if not isinstance(source, Mapping):
            continue
        entry = {
            "url": _first_text(source.get("url")),
            "sha256": source.get("sha256"),
            "md5": source.get("md5"),
            "git_url": _first_text(source.get("git_url") or source.get("git")),
            "git_rev": source.get("git_rev") or source.get("rev") or source.get("tag"),
            "patches": [str(p) for p in _as_list(source.get("patches")) if p],
        }
        if entry["url"] or entry["git_url"]:
            found.append({k: v for k, v in entry.items() if v not in (None, [])})
    return found


def _resolved(section: object) -> list[dict]:
    """rattler-build's `finalized_dependencies.<build|host>.resolved` records, trimmed."""
    records = section.get("resolved") if isinstance(section, Mapping) else None
    found = []
    for record in _as_list(records):
        if isinstance(record, Mapping) and record.get("name") and record.get("version"):
            found.append(
                {
                    key: record.get(key)
                    for key in ("name", "version", "build", "subdir", "sha256", "url", "channel")
                    if record.get(key) is not None
                }
            )
    return found


def _recipe(members: Mapping[str, bytes], listed: list[str]) -> tuple[dict, list[str]]:
    """Recipe facts: file names, sources, build tools, and (rattler-build) the exact build
    and host packages, from rendered_recipe.yaml, else the rendered meta.yaml."""
    files = sorted(n[len("info/recipe/") :] for n in listed if n.startswith("info/recipe/"))
    recipe: dict = {"files": files, "patches": []}
    for name in files:
        if name.endswith((".patch", ".diff")) and f"info/recipe/{name}" in members:
            text, cut = _text(members[f"info/recipe/{name}"])
            recipe["patches"].append(
                {"path": f"info/recipe/{name}", "text": text, "truncated": cut}
            )
    notes: list[str] = []
    for name, kind in (("rendered_recipe.yaml", "rattler-build"), ("meta.yaml", "conda-build")):
        raw = members.get(f"info/recipe/{name}")
        if raw is None:
            continue
        try:
            parsed = yaml.safe_load(raw.decode("utf-8", errors="replace"))
        except yaml.YAMLError:
            notes.append(f"info/recipe/{name} is not valid YAML; its facts are not used")
            continue
        if not isinstance(parsed, Mapping):
            continue
        recipe["rendered"] = name
        recipe["builder"] = kind
        body = parsed.get("recipe") if kind == "rattler-build" else parsed
        body = body if isinstance(body, Mapping) else {}
        sources = _sources(body)
        if kind == "rattler-build":
            finalized = [s for s in _as_list(parsed.get("finalized_sources")) if s]
            sources = _sources({"source": finalized}) or sources
            dependencies = parsed.get("finalized_dependencies") or {}
            recipe["build_packages"] = _resolved(dependencies.get("build"))
            recipe["host_packages"] = _resolved(dependencies.get("host"))
            tools = parsed.get("system_tools")
            if isinstance(tools, Mapping):
                recipe["tools"] = {str(k): str(v) for k, v in tools.items()}
        else:
            requirements = body.get("requirements")
            if isinstance(requirements, Mapping):
                recipe["requirements"] = {
                    key: [str(s) for s in _as_list(requirements.get(key)) if s]
                    for key in ("build", "host", "run")
                    if requirements.get(key)
                }
        recipe["sources"] = sources
        extra = body.get("extra")
        if isinstance(extra, Mapping):
            maintainers = _as_list(extra.get("recipe-maintainers"))
            recipe["maintainers"] = [str(m) for m in maintainers if m]
        break
    return recipe, notes


def _pep503(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def python_distributions(paths: list[dict]) -> list[dict]:
    """Python distributions shipped in site-packages (`*.dist-info`, `*.egg-info`).

    Name and version come from the metadata directory's name (`numpy-1.26.4.dist-info`,
    `six-1.16.0-py3.11.egg-info`), as installers write it; the METADATA inside is not read.
    """
    found: dict[str, dict] = {}
    for entry in paths:
        match = _PYTHON_METADATA.search(entry["path"])
        if match is None:
            continue
        stem, kind = match.group(1), match.group(2)
        location = entry["path"][: match.end(2)].rstrip("/")
        if location in found:
            continue
        if kind == "egg-info":
            stem = _EGG_PYTHON_TAG.sub("", stem)
        name, _, version = stem.partition("-")
        if not name:
            continue
        found[location] = {
            "name": _pep503(name),
            "version": version or None,
            "kind": kind,
            "path": location,
        }
    return sorted(found.values(), key=lambda d: d["path"])


def parse_info(
    members: Mapping[str, bytes],
    *,
    digests: Mapping[str, tuple[str, int]] | None = None,
    listed: list[str] | None = None,
    notes: list[str] | None = None,
) -> dict:
    """The contents document of one package from its `info/` members (no archive facts):
    `members` holds the bytes read, `digests` (sha256, size) of members only partly kept,
    `listed` every member name (default: those of `members`), `notes` what reading left out."""
    listed = sorted(listed if listed is not None else members)
    paths, layout, path_notes = _paths(members)
    about = _json(members, "info/about.json") or {}
    recipe, recipe_notes = _recipe(members, listed)
    licenses = _licenses(members, digests or {})
    cap_texts([*licenses, *recipe["patches"]])
    return {
        "schema": SCHEMA,
        "layout": layout,
        "hashes_available": layout == LAYOUT_PATHS_JSON
        and all(p["sha256"] for p in paths if p["path_type"] != "directory"),
        "paths": paths,
        "path_count": len(paths),
        "size": sum(p["size"] or 0 for p in paths),
        "index": _json(members, "info/index.json") or {},
        "about": {key: about[key] for key in ABOUT_FIELDS if about.get(key) not in (None, "")},
        "run_exports": _json(members, "info/run_exports.json") or {},
        "licenses": licenses,
        "recipe": recipe,
        "python": python_distributions(paths),
        "link_scripts": sorted(p["path"] for p in paths if _LINK_SCRIPT.match(p["path"])),
        "activation_scripts": sorted(
            p["path"] for p in paths if _ACTIVATION_SCRIPT.match(p["path"])
        ),
        "info_files": listed,
        "limits": {"text": MAX_TEXT, "texts": MAX_TEXTS},
        "notes": [*(notes or ()), *path_notes, *recipe_notes],
    }


def is_info_member(name: str) -> bool:
    """Whether an archive member belongs to `info/` (in a `.tar.bz2` everything is mixed)."""
    return PurePosixPath(name).parts[:1] == ("info",)
