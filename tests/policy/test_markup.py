"""Markdown is refused when it carries a script and always sanitised when shown."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from steward.core import markup


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    "Hello <SCRIPT src=//evil.example></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="#" onclick="steal()">x</a>',
    "[click](javascript:alert(1))",
    "[click](JavaScript :alert(1))",
    "<a href='data:text/html;base64,PHNjcmlwdD4='>x</a>",
])
def test_scripts_are_refused(text):
    with pytest.raises(ValidationError, match="Markdown may not contain scripts"):
        markup.check(text)


@pytest.mark.parametrize("text", ["Be kind online = good", "Use **bold**", "A [link](https://example.org)",
                                  "Mention onboarding=true in prose"])
def test_ordinary_text_passes(text):
    markup.check(text)


def test_render_keeps_basic_formatting():
    html = markup.render("## Heading\n\n- **one**\n- [two](https://example.org)\n\n> quote")
    assert "<h4>Heading</h4>" in html
    assert "<strong>one</strong>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">two</a>' in html
    assert "<blockquote>" in html


def test_render_sanitises_whatever_is_stored():
    html = markup.render('<script>alert(1)</script><iframe src="https://x"></iframe>[x](javascript:alert(1))'
                         '<img src=x onerror=alert(1)><p style="color:red" onclick="x()">hi</p>')
    assert "<script" not in html and "alert(1)" not in html
    assert "<iframe" not in html and "<img" not in html
    assert "javascript:" not in html and "onclick" not in html and "style=" not in html
    assert "hi" in html
