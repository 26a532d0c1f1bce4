from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from .text import UNSAFE_CHARACTERS


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the visitor picked another language with the site's switch.

    Django's own middleware follows the browser's Accept-Language, and many office computers
    send English; a Chinese government portal must not change its language on that alone.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


class UnsafeTextMiddleware:
    """Shows stored control and bidirectional characters (portal.text) as U+FFFD on every page.

    Input refuses them, but names stored before, or arriving through the exchange or an old
    import, would otherwise reach a clerk's screen raw: U+202E makes "invoice\u202egpj.exe" read
    as "invoiceexe.jpg". One pass over each HTML page covers every template, the admin's too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return response
        text = response.content.decode(response.charset, errors="replace")
        if UNSAFE_CHARACTERS.search(text):
            response.content = UNSAFE_CHARACTERS.sub("\ufffd", text).encode(response.charset)
        return response
