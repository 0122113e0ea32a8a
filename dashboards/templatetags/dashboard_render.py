"""`{% rendered "template" name=value ... %}`: an include that remembers its output.

A dashboard draws its charts and tables from templates (charts/*.html and
dashboards/includes/table.html), and for a large state those are thousands of SVG shapes
and table cells: most of a page's time went to the template engine. They are pure
functions of what they are given, so the output is kept in this process, keyed by a digest
of the template name and the values' reprs; the same figures (say, a state's summary that
has not changed since the last view) are then not drawn again. A value whose repr does not
show its content (the default `<... object at 0x...>`) is never remembered.
"""

import hashlib
from collections import OrderedDict

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

register = template.Library()

_KEEP = 256
_RENDERED: OrderedDict[bytes, SafeString] = OrderedDict()


@register.simple_tag
def rendered(template_name: str, **context) -> SafeString:
    """The template rendered with only `context` (it sees nothing else of the page)."""
    source = repr((template_name, sorted(context.items())))
    if " object at 0x" in source:
        return render_to_string(template_name, context)
    key = hashlib.blake2b(source.encode(), digest_size=20).digest()
    html = _RENDERED.get(key)
    if html is None:
        html = render_to_string(template_name, context)
        _RENDERED[key] = html
        while len(_RENDERED) > _KEEP:
            _RENDERED.popitem(last=False)
    else:
        _RENDERED.move_to_end(key)
    return html
