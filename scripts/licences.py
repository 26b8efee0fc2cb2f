#!/usr/bin/env python3
"""The third-party components the desktop app ships, with their licences.

Walks `cargo metadata`'s resolved graph from the desktop shell (portal-desktop, for
Linux x86_64) and from the UI (portal-ui, for wasm32), following the dependencies that
end up in the program (not build scripts' or tests'), and writes every crate that is
not this workspace's own, with its version, licence expression and repository, to
src-tauri/licences.json. The settings page's About lists them.

    scripts/licences.py          write the file
    scripts/licences.py --check  fail if the committed file is not what the lock file gives
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(HERE, "src-tauri", "licences.json")
ROOTS = [
    ("x86_64-unknown-linux-gnu", "portal-desktop"),
    ("wasm32-unknown-unknown", "portal-ui"),
]


def metadata(platform):
    text = subprocess.run(
        ["cargo", "metadata", "--locked", "--offline", "--format-version", "1",
         "--filter-platform", platform],
        cwd=HERE, check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(text)


def shipped(platform, root):
    """The packages reached from `root` through normal (not build or dev) dependencies."""
    meta = metadata(platform)
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    workspace = set(meta["workspace_members"])
    start = next(i for i, p in packages.items() if p["name"] == root and i in workspace)
    seen, todo = set(), [start]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for dep in nodes[current]["deps"]:
            if any(kind["kind"] is None for kind in dep["dep_kinds"]):
                todo.append(dep["pkg"])
    return [packages[i] for i in seen if i not in workspace]


def components():
    found = {}
    for platform, root in ROOTS:
        for package in shipped(platform, root):
            found[(package["name"], package["version"])] = {
                "name": package["name"],
                "version": package["version"],
                "licence": package.get("license") or "see its repository",
                "repository": package.get("repository") or "",
            }
    return [found[key] for key in sorted(found)]


def main():
    text = json.dumps(components(), indent=1, ensure_ascii=False) + "\n"
    if sys.argv[1:] == ["--check"]:
        with open(OUT, encoding="utf-8") as committed:
            if committed.read() != text:
                sys.exit("src-tauri/licences.json is out of date: run scripts/licences.py")
        print("src-tauri/licences.json matches Cargo.lock")
        return
    if sys.argv[1:]:
        sys.exit(__doc__)
    with open(OUT, "w", encoding="utf-8") as out:
        out.write(text)
    print(f"{len(json.loads(text))} components in src-tauri/licences.json")


if __name__ == "__main__":
    main()
