"""Serve MathJax 3 and the ipywidgets HTML manager from the built site itself.

By default a Jupyter Book page loads MathJax, require.js and
``@jupyter-widgets/html-manager`` from CDNs: without a network the equations stay raw
TeX and the widgets (e.g. ``tqdm.auto`` progress bars) stay empty. This Sphinx extension
makes the site self-contained without committing megabytes of JavaScript:

* at build time it fetches pinned npm tarballs straight from the npm registry (plain
  ``urllib``, no Node.js needed), checks each against the sha512 ``integrity`` pinned
  below (the value the registry publishes for that version), and keeps them in a user
  cache folder, so later builds work offline;
* it extracts only the files the pages need into ``<html output>/_static/offline/``;
* it points ``mathjax_path`` and myst-nb's ``nb_ipywidgets_js`` at those copies, and adds
  a small set-up script (``offline/widgets-setup.js``) that makes require.js resolve the
  html-manager (and so its icon fonts) to the local copy, and gives ipywidgets 8 the
  ``MathJax.Hub.Queue`` it still calls, mapped onto MathJax 3;
* it drops duplicate ``<script>`` entries from pages (Sphinx 7.4 emitted sphinx-thebe's
  inline ``const THEBE_JS_URL`` twice: a SyntaxError in the browser console);
* it writes the site's ``index.html`` (a redirect to the landing page) as a small HTML page
  that names an icon: sphinx-external-toc's bare redirect made browsers ask for
  ``/favicon.ico``, a 404 in the console.

The cache folder is ``$RNN_COURSE_CACHE`` if set, else ``$XDG_CACHE_HOME/rnn-course``,
else ``~/.cache/rnn-course``; tarballs are kept under ``npm/``. To build without a network,
copy the tarballs there (they are checked all the same). ``npm_config_registry`` selects
another npm registry (a mirror), as it does for npm.

To update a package: change its version and integrity below; the integrity is in the
registry's metadata, e.g. ``https://registry.npmjs.org/mathjax/3.2.2`` -> ``dist.integrity``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.client
import io
import os
import posixpath
import shutil
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Sub-folder of the HTML output's ``_static/`` that receives the files.
VENDOR_DIR = "offline"
DEFAULT_REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class NpmPackage:
    """A pinned npm tarball and the part of it the site needs."""

    name: str  # npm name, possibly scoped
    version: str
    integrity: str  # "sha512-<base64>", as published in the registry's `dist.integrity`
    root: str  # folder inside the tarball that maps onto `dest`
    include: tuple[str, ...]  # paths below `root`: a file, or a folder ending in "/"
    dest: str  # folder below _static/offline/

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def tarball_name(self) -> str:
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"

    def url(self, registry: str) -> str:
        basename = self.name.split("/")[-1]
        return f"{registry.rstrip('/')}/{self.name}/-/{basename}-{self.version}.tgz"

    def wanted(self, member: str) -> str | None:
        """The path below `dest` for a tarball member, or None to skip it."""
        if not member.startswith(self.root):
            return None
        rel = member[len(self.root) :]
        for item in self.include:
            if rel == item or (item.endswith("/") and rel.startswith(item)):
                return rel
        return None


PACKAGES = (
    # MathJax 3: the combined TeX+MathML -> CommonHTML component, its web fonts, the TeX
    # extensions it autoloads (\boldsymbol, \cancel, \color, ...) and what the
    # right-click menu loads on demand (accessibility, speech rule engine).
    NpmPackage(
        name="mathjax",
        version="3.2.2",
        integrity=(
            "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/"
            "FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
        ),
        root="package/es5/",
        include=(
            "tex-mml-chtml.js",
            "input/tex/extensions/",
            "input/mml/extensions/",
            "output/chtml/fonts/woff-v2/",
            "ui/",
            "a11y/",
            "sre/",
        ),
        dest="mathjax",
    ),
    # The ipywidgets 8 embedder (ipywidgets asks for html-manager ^1.0.1): the AMD bundle
    # (base, controls, html-manager, with the widgets' CSS inlined) and the icon fonts that
    # CSS refers to (woff2 is what browsers use; woff and ttf as fall-backs).
    NpmPackage(
        name="@jupyter-widgets/html-manager",
        version="1.0.15",
        integrity=(
            "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi/"
            "/SABeNz1yp47bCrJ3CQA=="
        ),
        root="package/dist/",
        include=(
            "embed-amd.js",
            "1551f4f60c37af51121f.woff2",
            "7a3337626410ca2f4071.woff2",
            "d878b0a6a1144760244f.woff2",
            "2285773e6b4b172f07d9.woff",
            "bb58e57c48a3e911f15f.woff",
            "eeccf4f66002c6f2ba24.woff",
            "491974d108fe4002b2aa.ttf",
            "527940b104eb2ea366c8.ttf",
            "be9ee23c0c6390141475.ttf",
        ),
        dest="html-manager",
    ),
    # require.js, which the AMD bundle above needs.
    NpmPackage(
        name="requirejs",
        version="2.3.8",
        integrity=(
            "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+"
            "Jd5otXKGNehIonFlyQXSowL6Mw=="
        ),
        root="package/",
        include=("require.js",),
        dest="requirejs",
    ),
)

#: Runs after require.js and before the html-manager bundle (see `nb_ipywidgets_js`).
WIDGETS_SETUP_JS = """\
/* Set-up for the ipywidgets HTML manager served by this site (see book/_ext/offline_assets.py). */
(function () {
  "use strict";
  // .../_static/offline/, whatever the depth of the page
  var here = document.currentScript.src.replace(/[^/]*$/, "");
  var manager = here + "html-manager/";
  // The bundle's modules derive where their icon fonts lie from their require.js URL;
  // map them onto the local bundle (they are defined by it, nothing is fetched).
  window.requirejs.config({
    paths: {
      "@jupyter-widgets/html-manager": manager + "embed-amd",
      "@jupyter-widgets/html-manager/dist/libembed-amd": manager + "embed-amd"
    }
  });
  window.__jupyter_widgets_assets_path__ = manager;
  // ipywidgets 8 typesets widget labels with MathJax 2's MathJax.Hub.Queue; under
  // MathJax 3 that is undefined and throws. Map it onto MathJax 3's typesetPromise.
  function addHubStandIn() {
    var mj = window.MathJax;
    if (!mj || typeof mj !== "object" || mj.Hub) {
      return;
    }
    mj.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (job) {
          var element = Array.isArray(job) && job[0] === "Typeset" ? job[2] : null;
          if (element && mj.typesetPromise && mj.startup && mj.startup.promise) {
            mj.startup.promise
              .then(function () { return mj.typesetPromise([element]); })
              .catch(function (err) { console.warn("MathJax could not typeset a widget:", err); });
          }
        });
      }
    };
  }
  document.addEventListener("DOMContentLoaded", addHubStandIn);
  window.addEventListener("load", addHubStandIn);
})();
"""


def cache_dir() -> Path:
    """The user cache folder of the course."""
    if os.environ.get("RNN_COURSE_CACHE"):
        return Path(os.environ["RNN_COURSE_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "rnn-course"


def registry_url() -> str:
    return (
        os.environ.get("npm_config_registry")
        or os.environ.get("NPM_CONFIG_REGISTRY")
        or DEFAULT_REGISTRY
    )


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def _download(url: str, label: str, attempts: int = 3) -> bytes:
    last: Exception | None = None
    for attempt in range(attempts):
        if attempt:
            time.sleep(2**attempt)
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "rnn-course-book"})
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.read()
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
            last = err
    raise ExtensionError(
        f"offline_assets: could not download {label} from {url}: {last}. "
        f"The book serves this package itself; connect to the npm registry once, "
        f"or put the tarball in {cache_dir() / 'npm'} (see book/_ext/offline_assets.py)."
    )


def fetch(package: NpmPackage) -> bytes:
    """The package's tarball, from the cache or the registry, checked against its integrity."""
    folder = cache_dir() / "npm"
    path = folder / package.tarball_name
    if path.is_file():
        data = path.read_bytes()
        if integrity_of(data) == package.integrity:
            return data
        logger.info(f"offline_assets: cached {path.name} does not match its pinned hash; downloading it again")
    url = package.url(registry_url())
    logger.info(f"offline_assets: downloading {package.label} from {url}")
    data = _download(url, package.label)
    given = integrity_of(data)
    if given != package.integrity:
        raise ExtensionError(
            f"offline_assets: integrity check failed for {package.label} ({url}):\n"
            f"  expected {package.integrity}\n"
            f"  given    {given}"
        )
    folder.mkdir(parents=True, exist_ok=True)
    # Write atomically: parallel builds may share the cache.
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".part-", delete=False) as tmp:
        tmp.write(data)
    os.replace(tmp.name, path)
    return data


def extract(package: NpmPackage, data: bytes, dest: Path) -> int:
    """Write the wanted files of the tarball below `dest`; return how many."""
    count = 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar:
            rel = package.wanted(member.name)
            if rel is None or not member.isfile():
                continue
            norm = posixpath.normpath(rel)
            if norm.startswith(("../", "/")) or norm == "..":
                raise ExtensionError(f"offline_assets: unsafe path {member.name!r} in {package.label}")
            target = dest / package.dest / norm
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None
            with source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
            count += 1
    missing = [
        item for item in package.include
        if not item.endswith("/") and not (dest / package.dest / item).is_file()
    ]
    if missing or not count:
        raise ExtensionError(f"offline_assets: {package.label} lacks {missing or package.include}")
    return count


# --- Sphinx hooks -----------------------------------------------------------------------


def configure(app: Sphinx, config: Any) -> None:
    """Point MathJax and the widget scripts at the local copies (paths below _static/)."""
    config.mathjax_path = f"{VENDOR_DIR}/mathjax/tex-mml-chtml.js"
    # An ordered mapping: require.js, then the set-up, then the bundle.
    config.nb_ipywidgets_js = {
        f"{VENDOR_DIR}/requirejs/require.js": {},
        f"{VENDOR_DIR}/widgets-setup.js": {},
        f"{VENDOR_DIR}/html-manager/embed-amd.js": {},
    }


def install(app: Sphinx) -> None:
    """Fetch the packages and write the vendored files into the HTML output.

    This runs before any page is written: a missing package stops the build early, and
    Sphinx's cache-busting ``?v=<checksum>`` on the script URLs sees the files.
    """
    if app.builder.format != "html":
        return
    dest = Path(app.builder.outdir) / "_static" / VENDOR_DIR
    for package in PACKAGES:
        data = fetch(package)
        shutil.rmtree(dest / package.dest, ignore_errors=True)
        count = extract(package, data, dest)
        logger.info(f"offline_assets: {package.label}: {count} files in _static/{VENDOR_DIR}/{package.dest}")
    (dest / "widgets-setup.js").write_text(WIDGETS_SETUP_JS, encoding="utf-8")


def drop_duplicate_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Keep the first of identical <script> entries (same file or inline body, same attributes)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        # Inline scripts come as filename None (added after the builder started) or ""
        # (copied from the registry when it started): the same script, twice.
        filename = os.fspath(getattr(script, "filename", script) or "")
        attributes = getattr(script, "attributes", None) or {}
        key = (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    if len(unique) != len(scripts):
        scripts[:] = unique


REDIRECT_HTML = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta http-equiv="refresh" content="0; url={target}">
<link rel="canonical" href="{target}">
<link rel="icon" href="data:,">
</head>
<body><p><a href="{target}">{title}</a></p></body>
</html>
"""


def write_index_redirect(app: Sphinx, exception: Exception | None) -> None:
    """Write index.html as a redirect to the root document (runs before sphinx-external-toc's).

    The page names an empty inline icon: it is left at once, and a real icon would only be
    fetched to be cancelled.
    """
    if exception is not None or app.builder.name != "html" or app.config.root_doc == "index":
        return
    target = html.escape(app.builder.get_target_uri(app.config.root_doc), quote=True)
    title = html.escape(app.config.html_title or app.config.project)
    page = REDIRECT_HTML.format(title=title, target=target)
    (Path(app.builder.outdir) / "index.html").write_text(page, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", configure, priority=900)
    app.connect("builder-inited", install)
    # After every extension added its scripts (default priority 500).
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    # Before sphinx-external-toc (priority 500), which keeps an existing index.html.
    app.connect("build-finished", write_index_redirect, priority=400)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
