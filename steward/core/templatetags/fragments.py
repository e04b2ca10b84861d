"""`{% per_language a b %}…{% endper_language %}`: a fragment rendered once per language (and per
value of the variables named) in each process, then reused.

For the parts of a page that say the same thing to everyone reading it in one language: headings,
navigation, explanations. Translating a sentence costs a look-up through the active translation on
every render, and a page of twenty sentences spent most of its time there. What the fragment shows
must depend only on the language, the variables named and settings: never the request, the user,
a CSRF token or a form.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()
MAX_VARIANTS = 256  # per fragment: languages × values; past it the fragment renders each time


class PerLanguageNode(template.Node):
    def __init__(self, nodelist: template.NodeList, varying: list[template.base.FilterExpression]) -> None:
        self.nodelist, self.varying = nodelist, varying
        self.rendered: dict[tuple[Any, ...], SafeString] = {}  # lives as long as the compiled template

    def render(self, context: template.Context) -> SafeString:
        key = (get_language(), get_script_prefix(), *(str(value.resolve(context)) for value in self.varying))
        found = self.rendered.get(key)
        if found is None:
            found = self.nodelist.render(context)  # safe already: each node escaped what it rendered
            if len(self.rendered) < MAX_VARIANTS:
                self.rendered[key] = found
        return found


@register.tag
def per_language(parser: template.base.Parser, token: template.base.Token) -> PerLanguageNode:
    varying = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endper_language",))
    parser.delete_first_token()
    return PerLanguageNode(nodelist, varying)
