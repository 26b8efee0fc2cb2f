#!/usr/bin/env python3
"""The third-party components the desktop app ships, with their licences.

Walks `cargo tree` from the desktop shell (portal-desktop, for Linux x86_64) and from
the UI (portal-ui, for wasm32), following the dependencies that end up in the program
(not build scripts' or tests'), and writes every crate that is not this workspace's own, with its version, licence expression and repository, to
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


def shipped(platform, root):
    """The packages reached from `root` through normal (not build or dev) dependencies,
    with the features `root` alone turns on (`cargo tree -p`, unlike `cargo metadata`,
    does not add what other workspace members enable)."""
    text = subprocess.run(
        ["cargo", "tree", "--locked", "-p", root, "--target", platform,
         "-e", "normal", "--prefix", "none", "--format", "{p}|{l}|{r}"],
        cwd=HERE, check=True, capture_output=True, text=True,
    ).stdout
    found = []
    for line in sorted(set(text.splitlines())):
        package, licence, repository = line.split("|")
        name, version = package.split(" ")[:2]
        # The workspace's own crates are found by path; ours are not third-party.
        if "(/" in package or name.startswith("portal-"):
            continue
        found.append({
            "name": name,
            "version": version.lstrip("v"),
            "licence": licence or "see its repository",
            "repository": repository,
        })
    return found


def components():
    found = {}
    for platform, root in ROOTS:
        for package in shipped(platform, root):
            found[(package["name"], package["version"])] = package
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
