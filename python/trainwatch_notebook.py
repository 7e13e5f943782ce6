"""Show trainwatch elements in a Jupyter notebook.

Standard library only, Python 3.8 or newer; IPython is imported only by
``show()``. Copy this file next to your notebook (or put ``python/`` on
``sys.path``) and::

    from trainwatch_notebook import Dashboard

    Dashboard(
        '<loss-chart run="r1" metric="loss,val_loss"></loss-chart>'
        '<big-number run="r1" metric="tokens_total"></big-number>',
        url="http://127.0.0.1:8123", user="viewer", password="...",
    )

The cell's output is one ``text/html`` block: the single-file bundle
(``trainwatch.js``) inlined in a ``<script type="module">``, so it works
offline and in nbconvert HTML exports, and the elements wrapped in a
``<trainwatch-source>`` that gives them the source. With
``bundle_url="http://…/trainwatch.js"`` the output references the bundle
instead of carrying all of it.

The elements are your own HTML and go in as written. Every source value
(URL, user, password, …) is escaped for an HTML attribute. Note that the
output, password included, is saved in the notebook file: give notebooks a
read-only ClickHouse user, or a relay (``url="relay+https://…"``, ``token=``).

Run as a script, it prints the same output (``--page`` for a whole HTML
document); ``python3 trainwatch_notebook.py --help``.
"""

import argparse
import html
import os
import re
import sys
from typing import Any, Dict, List, Optional, Tuple, Union

__all__ = ["Dashboard", "render", "show", "find_bundle", "escape_inline_script"]

SOURCE_TAG = "trainwatch-source"
BUNDLE_ENV = "TRAINWATCH_BUNDLE"

_HERE = os.path.dirname(os.path.abspath(__file__))

# An inline script ends at the first "</script" whatever follows in the
# JavaScript, and "<!--" followed later by "<script" makes the HTML parser
# skip the real closing tag. Both rewrites mean the same characters inside
# JavaScript strings, templates and regular expressions ("\/" is "/", "\x3C"
# is "<"), and only read differently to code that inspects its own source text
# (String.raw, a RegExp's .source).
_CLOSING_SCRIPT = re.compile(r"</(script)", re.IGNORECASE)
_COMMENT_OPEN = re.compile(r"<!--")

_bundle_cache: Dict[Tuple[str, int, int], str] = {}


def escape_inline_script(js: str) -> str:
    """JavaScript text made safe to sit between ``<script>`` and ``</script>``."""
    return _COMMENT_OPEN.sub(r"\\x3C!--", _CLOSING_SCRIPT.sub(r"<\\/\1", js))


def _bundle_candidates(bundle_path: Optional[str]) -> List[str]:
    if bundle_path:
        return [bundle_path]
    candidates = []
    if os.environ.get(BUNDLE_ENV):
        candidates.append(os.environ[BUNDLE_ENV])
    candidates += [
        os.path.join(_HERE, "trainwatch.js"),  # copied next to this file
        os.path.join(_HERE, os.pardir, "dist", "bundle", "trainwatch.js"),  # a checkout of the repository
        os.path.join(os.getcwd(), "node_modules", "trainwatch", "dist", "bundle", "trainwatch.js"),  # npm install trainwatch
    ]
    return candidates


def find_bundle(bundle_path: Optional[str] = None) -> str:
    """Path of ``trainwatch.js``: ``bundle_path``, else ``$TRAINWATCH_BUNDLE``,
    else next to this file, else ``../dist/bundle/``, else ``./node_modules/trainwatch/``."""
    candidates = _bundle_candidates(bundle_path)
    for candidate in candidates:
        if os.path.isfile(candidate):
            return os.path.normpath(candidate)
    raise FileNotFoundError(
        "trainwatch.js not found (looked at: {}). Build it with `npm run build`, "
        "or pass bundle_path=..., or set ${}.".format(", ".join(candidates), BUNDLE_ENV)
    )


def _inline_bundle(bundle_path: Optional[str]) -> str:
    path = find_bundle(bundle_path)
    stat = os.stat(path)
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _bundle_cache:
        with open(path, encoding="utf-8") as f:
            _bundle_cache.clear()
            _bundle_cache[key] = escape_inline_script(f.read())
    return _bundle_cache[key]


def _attribute(name: str, value: object) -> str:
    return ' {}="{}"'.format(name, html.escape(str(value), quote=True))


def _source_open_tag(values: List[Tuple[str, Union[int, str, None]]]) -> Optional[str]:
    attributes = "".join(_attribute(name, value) for name, value in values if value is not None)
    return "<{}{}>".format(SOURCE_TAG, attributes) if attributes else None


def render(
    elements: str,
    url: Optional[str] = None,
    user: Optional[str] = None,
    password: Optional[str] = None,
    token: Optional[str] = None,
    table: Optional[str] = None,
    poll_interval: Union[int, str, None] = None,
    inline: Optional[bool] = None,
    bundle_path: Optional[str] = None,
    bundle_url: Optional[str] = None,
) -> str:
    """The HTML output for a cell: the bundle, then ``elements`` inside a
    ``<trainwatch-source>`` carrying the source values that are not None.

    ``elements`` is your own HTML, used as written. ``url`` is a ClickHouse
    HTTP URL or a relay's (``relay+http(s)://…``); an element's own ``src``,
    ``user``, … attributes win over the source's.

    The bundle is inlined (read from ``bundle_path``, see ``find_bundle``)
    unless ``bundle_url`` is given or ``inline=False``. Use an absolute URL
    (``https://host/trainwatch.js`` or ``/files/trainwatch.js``): a relative
    one would resolve against the notebook application's page, and a module
    script from another origin needs CORS headers on that server.
    """
    if inline is None:
        inline = bundle_url is None
    if inline and bundle_url is not None:
        raise ValueError("pass bundle_url (the bundle is referenced) or inline=True (it is inlined), not both")
    if not inline and bundle_url is None:
        raise ValueError("inline=False needs bundle_url='https://…/trainwatch.js'")
    if inline:
        script = '<script type="module">{}</script>'.format(_inline_bundle(bundle_path))
    else:
        script = '<script type="module"{}></script>'.format(_attribute("src", bundle_url))
    opening = _source_open_tag(
        [
            ("url", url),
            ("user", user),
            ("password", password),
            ("token", token),
            ("table", table),
            ("poll-interval", poll_interval),
        ]
    )
    body = "{}\n{}\n</{}>".format(opening, elements, SOURCE_TAG) if opening else elements
    return "{}\n{}\n".format(script, body)


class Dashboard:
    """trainwatch elements as a notebook output: Jupyter calls ``_repr_html_()``.

    Takes the arguments of ``render()``. ``to_page()`` gives a whole HTML
    document, to save as a static page.
    """

    def __init__(self, elements: str, **options: Any) -> None:
        self.elements = elements
        self.options = options
        self._html = render(elements, **options)

    def _repr_html_(self) -> str:
        return self._html

    def __html__(self) -> str:
        """The markupsafe protocol, so Jinja templates insert it unescaped."""
        return self._html

    def to_page(self, title: str = "trainwatch") -> str:
        return (
            '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            "<title>{}</title>\n</head>\n<body>\n{}</body>\n</html>\n"
        ).format(html.escape(title), self._html)

    def __repr__(self) -> str:
        return "Dashboard({!r}, {})".format(
            self.elements, ", ".join("{}={!r}".format(k, "…" if k == "password" else v) for k, v in self.options.items())
        )


def show(elements: str, **options: Any) -> None:
    """Displays a ``Dashboard`` in the running notebook (needs IPython)."""
    try:
        from IPython.display import display
    except ImportError:
        raise RuntimeError(
            "show() displays in a Jupyter notebook and needs IPython; "
            "elsewhere use render(...) or Dashboard(...).to_page()"
        ) from None
    display(Dashboard(elements, **options))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Print the HTML that shows trainwatch elements (a notebook output, or a whole page with --page).",
    )
    parser.add_argument("elements", help="the elements' HTML, or - to read it from standard input")
    for name in ("url", "user", "password", "token", "table", "poll-interval"):
        parser.add_argument("--" + name)
    parser.add_argument("--bundle-path", help="trainwatch.js to inline (default: see find_bundle)")
    parser.add_argument("--bundle-url", help="reference the bundle at this URL instead of inlining it")
    parser.add_argument("--page", action="store_true", help="a whole HTML document")
    parser.add_argument("--title", default="trainwatch", help="the page's title, with --page")
    args = parser.parse_args(argv)
    # UTF-8 both ways whatever the locale: the bundle is not ASCII.
    elements = sys.stdin.buffer.read().decode("utf-8") if args.elements == "-" else args.elements
    try:
        dashboard = Dashboard(
            elements,
            url=args.url,
            user=args.user,
            password=args.password,
            token=args.token,
            table=args.table,
            poll_interval=args.poll_interval,
            bundle_path=args.bundle_path,
            bundle_url=args.bundle_url,
        )
    except (FileNotFoundError, ValueError) as error:
        print("trainwatch_notebook: {}".format(error), file=sys.stderr)
        return 2
    out = dashboard.to_page(args.title) if args.page else dashboard._repr_html_()
    sys.stdout.buffer.write(out.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
