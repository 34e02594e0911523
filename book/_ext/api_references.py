"""Cross-references of the API reference (book/api) resolved the way Python resolves the name.

The reference documents each object where it is defined (``companion.layers.stacked.LSTM``), but
docstrings and chapters name it as they import it: through a package's re-export
(``companion.layers.LSTM``), or unqualified inside a module that imports it (``LSTM`` in
``companion.models.taggers``). Sphinx's Python domain finds neither. This extension handles
Sphinx's ``missing-reference`` event for ``py`` roles: it imports the name as Python would
(the current module and class first, then the name as written), and if that object is
documented, under whatever name, links there. A name that imports to nothing documented stays
unresolved, so ``-n`` still reports it.

It also gives a widget class the signature of its own ``__init__`` (see
:func:`constructor_signature`).
"""

from __future__ import annotations

import importlib
import inspect

from sphinx.util import inspect as sphinx_inspect
from sphinx.util.inspect import stringify_signature

PACKAGE = "companion"


def import_object(dotted: str, module: str | None = None):
    """The object that ``dotted`` names in ``module`` (or from the top), attribute by attribute:
    a package's re-exported function wins over its submodule of the same name, as in Python.
    ``None`` if there is none."""
    parts = dotted.split(".")
    if module is None:
        module, parts = parts[0], parts[1:]
    try:
        obj = importlib.import_module(module)
    except ImportError:
        return None
    path = module
    for part in parts:
        path = f"{path}.{part}"
        if hasattr(obj, part):
            obj = getattr(obj, part)
        elif inspect.ismodule(obj):
            try:
                obj = importlib.import_module(path)
            except ImportError:
                return None
        else:
            return None
    # A classmethod read from its class is a new bound method at each access: compare functions.
    return getattr(obj, "__func__", obj)


def import_documented(fullname: str, modules) -> object | None:
    """The object that the reference documents as ``fullname``, found from its module."""
    parts = fullname.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in modules:
            return import_object(".".join(parts[end:]), ".".join(parts[:end])) if end < len(parts) else None
    return None


def _documented_objects(app, env) -> dict[str, list[tuple[str, object]]]:
    """The package's documented Python objects, by their last name: [(full name, object)]."""
    # Kept on the application, not the environment: the environment is pickled, modules are not.
    cache = getattr(app, "_api_references_documented", None)
    if cache is None:
        cache = {}
        domain = env.get_domain("py")
        for fullname, entry in domain.objects.items():
            if fullname.split(".")[0] == PACKAGE and not entry.aliased:
                obj = import_documented(fullname, domain.modules)
                if obj is not None:
                    cache.setdefault(fullname.rsplit(".", 1)[-1], []).append((fullname, obj))
        app._api_references_documented = cache
    return cache


def _candidates(target: str, module: str | None, cls: str | None) -> list[tuple[str, str | None]]:
    """Where to look the name up, as (name, module): its class and module as Python would, then
    the packages above the module (a submodule's docstring may name its siblings as its package
    exports them), then the name as written."""
    candidates = []
    if module and cls:
        candidates.append((f"{cls}.{target}", module))
    if module:
        parts = module.split(".")
        candidates += [(target, ".".join(parts[:end])) for end in range(len(parts), 0, -1)]
    candidates.append((target, None))
    return candidates


def resolve_by_import(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip(".~")
    module, cls = node.get("py:module"), node.get("py:class")
    if not (target.startswith(PACKAGE) or (module or "").startswith(PACKAGE)):
        return None
    documented = _documented_objects(app, env).get(target.rsplit(".", 1)[-1], [])
    for name, namespace in _candidates(target, module, cls):
        obj = import_object(name, namespace)
        if obj is None:
            continue
        # Same object and same name: two constants equal to 0 are not each other.
        for fullname, documented_obj in documented:
            if documented_obj is obj and fullname != node["reftarget"]:
                redirected = node.deepcopy()
                redirected["reftarget"] = fullname
                redirected["refspecific"] = False
                return env.get_domain("py").resolve_xref(
                    env, node["refdoc"], app.builder, node["reftype"], fullname, redirected, contnode
                )
        return None
    return None


def constructor_signature(app, what, name, obj, options, signature, return_annotation):
    """The parameters of a class's own ``__init__``, where autodoc would show an inherited
    ``__new__`` or a metaclass's ``__call__`` instead (an ipywidgets widget shows traitlets'
    ``(*args: t.Any, **kwargs: t.Any)``)."""
    if what != "class" or "__init__" not in vars(obj) or "__new__" in vars(obj):
        return None
    if obj.__new__ is object.__new__ and type(obj).__call__ is type.__call__:
        return None  # autodoc reads __init__ already
    init = sphinx_inspect.signature(obj.__init__, bound_method=True, type_aliases=app.config.autodoc_type_aliases)
    return stringify_signature(init, show_return_annotation=False, unqualified_typehints=True), return_annotation


def _forget_documented(app, env, *args) -> None:
    # Documented names change between builds (and between reads of a parallel build).
    app._api_references_documented = None


def setup(app):
    app.connect("missing-reference", resolve_by_import)
    app.connect("autodoc-process-signature", constructor_signature)
    app.connect("env-updated", _forget_documented)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
