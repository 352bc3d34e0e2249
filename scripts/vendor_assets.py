#!/usr/bin/env python3
"""Vendor the front-end libraries into static/vendor/ and rewrite static/vendor/manifest.json.

No CDN and no Node build step at runtime: the minified distribution files are taken from the npm
registry tarballs (``npm pack <name>@<version>``), each tarball is checked against the integrity
pinned below, and only the files the pages need are copied, with each library's licence.

Usage::

    python scripts/vendor_assets.py           # rebuild static/vendor/ and the manifest
    python scripts/vendor_assets.py --check   # rebuild in a temp dir, compare with static/vendor/

Notes
-----
* The ``//# sourceMappingURL=`` / ``/*# sourceMappingURL=... */`` trailer is stripped from the
  minified JS/CSS: the ``.map`` files are not vendored (about 2 MB), and Django's
  ManifestStaticFilesStorage (whitenoise's too) fails ``collectstatic`` on a reference to a
  missing file. Such files are marked ``"modified"`` in the manifest, with the upstream sha256.
* For USWDS, every ``url(...)`` in ``uswds.min.css`` is resolved and the referenced fonts/images
  are copied, keeping the ``css/ fonts/ img/ js/`` layout so the relative URLs resolve. Images
  that the USWDS markup (not the CSS) uses are listed in ``USWDS_TEMPLATE_IMAGES``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "static" / "vendor"
MANIFEST_NAME = "manifest.json"

# Images used by USWDS component markup (banner, icons via the sprite), not referenced from the CSS.
USWDS_TEMPLATE_IMAGES = [
    "img/us_flag_small.png",
    "img/icon-dot-gov.svg",
    "img/icon-https.svg",
    "img/lock.svg",
    "img/sprite.svg",
]

# Pinned versions. ``files`` maps a path inside the tarball (below ``package/``) to a path below
# ``static/vendor/<dir>/``. ``integrity`` is the npm registry's dist.integrity of the tarball.
LIBRARIES = [
    {
        "name": "USWDS (U.S. Web Design System)",
        "dir": "uswds",
        "package": "@uswds/uswds",
        "version": "3.14.0",
        "integrity": "sha512-kwZ50TqGszxj3+MQhm+c84hI0y8rIKoc7ZLKbuHg+8rTkFisp9lXOMRD2wclyyuYZahpADxMvaPong7bwL7cew==",
        # package.json says "SEE LICENSE IN LICENSE.md"; that file lists these licences.
        "license": "CC0-1.0 AND OFL-1.1 AND Apache-2.0 AND MIT",
        "license_files": {"LICENSE.md": "LICENSE.md"},
        "files": {
            "dist/css/uswds.min.css": "css/uswds.min.css",
            "dist/js/uswds.min.js": "js/uswds.min.js",
            "dist/js/uswds-init.min.js": "js/uswds-init.min.js",
            **{f"dist/{p}": p for p in USWDS_TEMPLATE_IMAGES},
        },
        "css_url_roots": ["dist/css/uswds.min.css"],
    },
    {
        "name": "tus-js-client",
        "dir": "tus-js-client",
        "package": "tus-js-client",
        "version": "4.3.1",
        "integrity": "sha512-ZLeYmjrkaU1fUsKbIi8JML52uAocjEZtBx4DKjRrqzrZa0O4MYwT6db+oqePlspV+FxXJAyFBc/L5gwUi2OFsg==",
        "license": "MIT",
        "license_files": {"LICENSE": "LICENSE"},
        "files": {"dist/tus.min.js": "tus.min.js"},
    },
    {
        "name": "Leaflet",
        "dir": "leaflet",
        "package": "leaflet",
        "version": "1.9.4",
        "integrity": "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
        "license": "BSD-2-Clause",
        "license_files": {"LICENSE": "LICENSE"},
        "files": {
            "dist/leaflet.js": "leaflet.js",
            "dist/leaflet.css": "leaflet.css",
        },
        "globs": {"dist/images/": "images/"},
        "css_url_roots": ["dist/leaflet.css"],
    },
    {
        "name": "Leaflet.markercluster",
        "dir": "leaflet-markercluster",
        "package": "leaflet.markercluster",
        "version": "1.5.3",
        "integrity": "sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==",
        "license": "MIT",
        "license_files": {"MIT-LICENCE.txt": "MIT-LICENCE.txt"},
        "files": {
            "dist/leaflet.markercluster.js": "leaflet.markercluster.js",
            "dist/MarkerCluster.css": "MarkerCluster.css",
            "dist/MarkerCluster.Default.css": "MarkerCluster.Default.css",
        },
    },
    {
        "name": "Video.js",
        "dir": "videojs",
        "package": "video.js",
        "version": "8.24.1",
        "integrity": "sha512-Qh2WxVyiw6BEvpS95KCoZM8wt10r2iDvembOjHPftVcxY4QR53WVTDQlJEuI1J46Yo9Zw+6rRDIe62C+J+edfQ==",
        "license": "Apache-2.0",
        "license_files": {"LICENSE": "LICENSE"},
        # The VideoJS icon font is inlined in video-js.min.css as a data: URL.
        "files": {
            "dist/video.min.js": "video.min.js",
            "dist/video-js.min.css": "video-js.min.css",
        },
        "css_url_roots": ["dist/video-js.min.css"],
    },
    {
        "name": "axe-core",
        "dir": "axe-core",
        "package": "axe-core",
        "version": "4.14.1",
        "integrity": "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        "license": "MPL-2.0",
        "license_files": {"LICENSE": "LICENSE", "LICENSE-3RD-PARTY.txt": "LICENSE-3RD-PARTY.txt"},
        "files": {"axe.min.js": "axe.min.js"},
    },
    {
        "name": "htmx",
        "dir": "htmx",
        "package": "htmx.org",
        "version": "2.0.11",
        "integrity": "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
        "license": "0BSD",
        "license_files": {"LICENSE": "LICENSE"},
        "files": {"dist/htmx.min.js": "htmx.min.js"},
    },
]

CSS_URL_RE = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)""")
SOURCEMAP_RES = [
    re.compile(rb"\n?//# sourceMappingURL=[^\n]*\n?\Z"),
    re.compile(rb"\n?/\*# sourceMappingURL=[^*]*\*/\s*\Z"),
]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_pack(package: str, version: str, dest: Path) -> Path:
    """Fetch the registry tarball with ``npm pack`` and return its path."""
    out = subprocess.run(
        ["npm", "pack", f"{package}@{version}", "--json", "--pack-destination", str(dest)],
        cwd=dest,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    info = json.loads(out)[0]
    return dest / info["filename"]


def check_integrity(tarball: Path, integrity: str) -> None:
    algo, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algo, tarball.read_bytes()).digest()).decode()
    if digest != expected:
        raise SystemExit(f"{tarball.name}: integrity mismatch ({algo} {digest} != {expected})")


def read_members(tarball: Path) -> dict[str, bytes]:
    """Regular files of the tarball, keyed by their path below ``package/``. Nothing is extracted."""
    members: dict[str, bytes] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for m in tar.getmembers():
            if not m.isfile():
                continue
            name = m.name.split("/", 1)[1] if "/" in m.name else m.name
            members[name] = tar.extractfile(m).read()
    return members


def strip_sourcemap(path: str, data: bytes) -> bytes:
    if not path.endswith((".js", ".css")):
        return data
    for rx in SOURCEMAP_RES:
        data = rx.sub(b"\n", data)
    return data


def css_references(css_path: str, css: bytes) -> list[str]:
    """Package-relative paths of the local files a stylesheet's url()s point at."""
    refs = []
    for _, url in CSS_URL_RE.findall(css.decode("utf-8")):
        url = url.strip()
        if not url or url.startswith(("data:", "#", "http:", "https:", "//")):
            continue
        url = url.split("#", 1)[0].split("?", 1)[0]
        refs.append(posixpath.normpath(posixpath.join(posixpath.dirname(css_path), url)))
    return sorted(set(refs))


def vendor_library(lib: dict, members: dict[str, bytes], out_dir: Path) -> dict:
    selected: dict[str, str] = dict(lib["files"])
    for src_prefix, dest_prefix in lib.get("globs", {}).items():
        for name in members:
            if name.startswith(src_prefix):
                selected[name] = dest_prefix + name[len(src_prefix):]
    # Everything a vendored stylesheet references, keeping the path relative to the stylesheet.
    for css_src in lib.get("css_url_roots", []):
        css_dest = selected[css_src]
        for ref in css_references(css_src, members[css_src]):
            if ref not in members:
                raise SystemExit(f"{lib['package']}: {css_src} references missing {ref}")
            rel = posixpath.relpath(ref, posixpath.dirname(css_src))
            selected.setdefault(ref, posixpath.normpath(posixpath.join(posixpath.dirname(css_dest), rel)))
    selected.update(lib["license_files"])

    files = []
    for src, dest in sorted(selected.items(), key=lambda kv: kv[1]):
        upstream = members[src]
        data = strip_sourcemap(dest, upstream)
        target = out_dir / lib["dir"] / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        entry = {
            "path": f"{lib['dir']}/{dest}",
            "source_path": f"package/{src}",
            "size": len(data),
            "sha256": sha256(data),
        }
        if data != upstream:
            entry["modified"] = "trailing sourceMappingURL comment removed (.map not vendored)"
            entry["upstream_sha256"] = sha256(upstream)
        files.append(entry)
    return {
        "name": lib["name"],
        "npm_package": lib["package"],
        "version": lib["version"],
        "license": lib["license"],
        "license_files": [f"{lib['dir']}/{dest}" for dest in lib["license_files"].values()],
        "source": "npm registry tarball",
        "tarball_integrity": lib["integrity"],
        "directory": lib["dir"],
        "files": files,
    }


def build(out_dir: Path) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    libraries = []
    with tempfile.TemporaryDirectory(prefix="vendor-npm-") as tmp:
        for lib in LIBRARIES:
            tarball = npm_pack(lib["package"], lib["version"], Path(tmp))
            check_integrity(tarball, lib["integrity"])
            libraries.append(vendor_library(lib, read_members(tarball), out_dir))
    manifest = {
        "comment": "Generated by scripts/vendor_assets.py; do not edit by hand.",
        "libraries": libraries,
    }
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def tree(d: Path) -> dict[str, bytes]:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="rebuild in a temp dir and diff against static/vendor")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory(prefix="vendor-check-") as tmp:
            build(Path(tmp))
            want, have = tree(Path(tmp)), tree(VENDOR_DIR) if VENDOR_DIR.exists() else {}
        diff = sorted(k for k in want.keys() | have.keys() if want.get(k) != have.get(k))
        for k in diff:
            print(f"differs: static/vendor/{k}", file=sys.stderr)
        print("static/vendor is up to date" if not diff else f"{len(diff)} file(s) differ")
        return 1 if diff else 0
    VENDOR_DIR.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".vendor-build-", dir=VENDOR_DIR.parent) as tmp:
        staged = Path(tmp) / "vendor"
        manifest = build(staged)
        if VENDOR_DIR.exists():
            shutil.rmtree(VENDOR_DIR)
        shutil.move(str(staged), str(VENDOR_DIR))
    total = sum(f["size"] for lib in manifest["libraries"] for f in lib["files"])
    for lib in manifest["libraries"]:
        print(f"{lib['npm_package']}@{lib['version']}: {len(lib['files'])} files")
    print(f"total {total} bytes in static/vendor/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
