#!/usr/bin/env bash
# The Swift and Kotlin bindings committed under bindings/generated/ (what native teams
# build from) against what the current code generates (scripts/build.sh writes it to
# $PORTAL_CACHE/bindings), and every Swift source parsed with tree-sitter-swift, as
# Linux has no Swift compiler.
#   scripts/generated.sh           check: fail if they differ or a Swift file does not parse
#   scripts/generated.sh --update  copy the freshly generated sources into bindings/generated/
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
cd "$here"

fresh="$PORTAL_CACHE/bindings"
committed="bindings/generated"
for language in swift kotlin; do
  [ -d "$fresh/$language" ] || { echo "no generated $language in $fresh: run scripts/build.sh first" >&2; exit 1; }
done

if [ "${1:-}" = "--update" ]; then
  rm -rf "$committed/swift" "$committed/kotlin"
  mkdir -p "$committed"
  cp -r "$fresh/swift" "$fresh/kotlin" "$committed/"
  echo "updated $committed from $fresh"
  exit 0
fi

status=0
for language in swift kotlin; do
  if ! diff -r -q "$committed/$language" "$fresh/$language" >/tmp/portal-generated-diff 2>&1; then
    echo "bindings/generated/$language differs from what the code generates:" >&2
    sed 's/^/  /' /tmp/portal-generated-diff >&2
    status=1
  fi
done
if [ $status -ne 0 ]; then
  echo "run scripts/build.sh, then scripts/generated.sh --update, and commit bindings/generated" >&2
  exit 1
fi

# Every Swift file: the generated ones, the package's own layer, its tests and sample.
mapfile -t swift_files < <(find bindings/generated/swift bindings/swift -name '*.swift' | sort)
python3 - "${swift_files[@]}" <<'PY'
import sys
import tree_sitter
import tree_sitter_swift

import re

parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
SWIFT_VERSION_IF = re.compile(rb"^\s*#if swift\(>=[0-9.]+\)\s*$")


def without_version_checks(source):
    """The source with two constructs the grammar (tree-sitter-swift 0.7) cannot read
    rewritten to equal ones: `#if swift(>=X)` ... `#endif` lines are blanked (their
    body kept), as an attribute alone inside a compiler directive, which the generated
    code uses for `@_documentation`, does not parse. Line numbers stay as they were."""
    lines = source.split(b"\n")
    open_ifs = []
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(b"#if"):
            open_ifs.append(bool(SWIFT_VERSION_IF.match(line)))
            if open_ifs[-1]:
                lines[number] = b""
        elif stripped.startswith(b"#endif") and open_ifs:
            if open_ifs.pop():
                lines[number] = b""
    # The other gap: a closure whose body is the empty tuple, `{ () }`, reads to the
    # grammar as a parameter list missing its `in`; `{ Void() }` is the same code.
    return b"\n".join(lines).replace(b"{ () }", b"{ Void() }")


bad = 0
for path in sys.argv[1:]:
    tree = parser.parse(without_version_checks(open(path, "rb").read()))
    errors = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            errors.append(node.start_point)
        elif node.has_error:
            stack.extend(node.children)
    for row, column in sorted(errors)[:5]:
        print(f"{path}:{row + 1}:{column + 1}: Swift does not parse here", file=sys.stderr)
    bad += bool(errors)
print(f"swift: {len(sys.argv) - 1 - bad} of {len(sys.argv) - 1} files parse")

# The generated files compile into one module (portal_ffi.swift uses portal_model's
# types without an import), so a top-level name declared in both would not compile.
DECLARATIONS = ("class_declaration", "protocol_declaration", "function_declaration",
                "typealias_declaration", "property_declaration")
seen = {}
for path in [p for p in sys.argv[1:] if p.startswith("bindings/generated/")]:
    tree = parser.parse(without_version_checks(open(path, "rb").read()))
    for node in tree.root_node.children:
        if node.type not in DECLARATIONS or node.text.lstrip().split(b" ")[0] == b"extension":
            continue
        head = node.text.split(b"{")[0]
        # Private to its file: the same name in another file does not clash.
        if b"extension " in head or b"fileprivate " in head or b"private " in head:
            continue
        name = node.child_by_field_name("name")
        if name is None:
            continue
        seen.setdefault(name.text.decode(), set()).add(path)
twice = sorted(name for name, paths in seen.items() if len(paths) > 1)
for name in twice:
    print(f"swift: '{name}' is declared in both {' and '.join(sorted(seen[name]))}; "
          "they compile into one module", file=sys.stderr)
sys.exit(1 if bad or twice else 0)
PY
echo "bindings/generated matches the code"
