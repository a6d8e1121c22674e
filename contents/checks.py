"""What the archive holds at each path listed in paths.json, and where the two differ (pure)."""

from __future__ import annotations


def _held(entry: dict, found: dict) -> bool:
    """Describe a path by what the archive holds there; True when paths.json says otherwise.

    A regular file: its own hashes and size (paths.json's sha256, if different, is kept as
    `paths_json_sha256`). A symbolic link holds no bytes: its hashes stay paths.json's, which
    are its target's (CEP 34), and `hashes_of` says so.
    """
    entry["archive_type"] = found["type"]
    entry["archive_mode"] = found.get("mode")
    if found["type"] != "file":
        entry["link_target"] = found.get("target")
        entry["hashes_of"] = "link target" if entry["path_type"] == "softlink" else None
        return found["type"] != "symlink" or entry["path_type"] != "softlink"
    listed = entry["sha256"]
    entry["sha256"], entry["sha1"], entry["size"] = found["sha256"], found["sha1"], found["size"]
    entry["hashes_of"] = "archive member"
    if entry["path_type"] == "softlink" or (listed is not None and listed != found["sha256"]):
        entry["paths_json_sha256"] = listed
        return True
    return False


def check_files(document: dict, shipped: dict[str, dict]) -> dict:
    """Describe each listed path by what the archive holds; count where paths.json differs.

    One rule: a file's hashes are of the bytes the archive holds at that path. A symbolic link
    holds none, so it keeps paths.json's hash of its target (and its SHA-1 is the target's).
    A path that paths.json calls a softlink but the archive stores as a regular file (some
    `.tar.bz2` builds store 0-byte files there) is hashed as stored and counted as mismatched.
    """
    by_sha256 = {f["sha256"]: f["sha1"] for f in shipped.values() if f.get("type") == "file"}
    checked = mismatched = 0
    missing, differing = [], []
    for entry in document["paths"]:
        found = shipped.get(entry["path"])
        if found is None:
            missing.append(entry["path"])
            continue
        checked += found["type"] == "file"
        if _held(entry, found):
            mismatched += 1
            differing.append(entry["path"])
        if found["type"] != "file" and entry["sha256"] in by_sha256:
            entry["sha1"] = by_sha256[entry["sha256"]]
    listed = {entry["path"] for entry in document["paths"]}
    return {
        "files_checked": checked,
        "files_mismatched": mismatched,
        "mismatched_paths": differing,
        "listed_not_shipped": sorted(missing),
        "shipped_not_listed": sorted(p for p in shipped if p not in listed),
    }


def mismatch_note(entry: dict) -> str:
    """One sentence on a path whose archive member is not what paths.json says."""
    if entry["archive_type"] != "file":
        return (
            f"{entry['path']}: paths.json lists a {entry['path_type']}, the archive holds a "
            f"{entry['archive_type']} to {entry.get('link_target')}; its hashes here are "
            "paths.json's"
        )
    return (
        f"{entry['path']}: paths.json lists a {entry['path_type']} with sha256 "
        f"{entry['paths_json_sha256']}, the archive holds a {entry['size']}-byte regular file; "
        "its hashes here are of what the archive holds"
    )
