from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from .text import UNSAFE_CHARACTERS


def chosen_language(request) -> str:
    """The language the visitor picked with the site's switch, else Simplified Chinese."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    supported = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in supported else settings.LANGUAGE_CODE


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the visitor picked another language with the site's switch.

    Django's own middleware follows the browser's Accept-Language, and many office computers
    send English; a Chinese government portal must not change its language on that alone.
    """

    def process_request(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()


# Said before ChosenLanguageMiddleware has run: translated in the visitor's language by _refusal.
TOO_LARGE = gettext_noop("The request is too large: at most %(size)d MB can be sent at once.")
NUL_IN_ADDRESS = gettext_noop("The address contains a NUL character: check the link.")


def _refusal(request, status: int, message: str, **values) -> HttpResponse:
    with translation.override(chosen_language(request)):
        text = gettext(message) % values
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


class RequestSizeLimitMiddleware:
    """Refuses a request announcing a body over REQUEST_MAX_BYTES before anything reads it.

    First in the list: Django would otherwise read (and spool to disk) the whole body before a
    form found the file too large. A body without Content-Length (chunked) is read by Django as
    empty, so what it announces is all it can send.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            announced = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            announced = 0  # Django reads such a body as empty
        if announced > settings.REQUEST_MAX_BYTES:
            return _refusal(request, 413, TOO_LARGE, size=settings.REQUEST_MAX_BYTES // (1024 * 1024))
        return self.get_response(request)


class NulByteMiddleware:
    """Answers 400 to a NUL byte (%00) in the path, the query string or a cookie.

    PostgreSQL refuses NUL in text, so one reaching a lookup (a case number, an item code, a
    search box) was a 500. No URL of the portal has a use for it. Form fields refuse it on their
    own (Django's CharField has ProhibitNullCharactersValidator).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            "\x00" in request.path
            or b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", ""))
            # A session key with NUL failed the session lookup (gunicorn refuses raw NUL in headers,
            # other servers may not).
            or any("\x00" in value for value in request.COOKIES.values())
        ):
            return _refusal(request, 400, NUL_IN_ADDRESS)
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Turns off the browser features the portal never uses (Django has no setting for this header)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class PersonalDataNoStoreMiddleware:
    """Keeps what a person sees out of every cache, the browser's disk included.

    A response to a signed-in user is never stored, nor one that sets a cookie of a person's own
    (a session, messages, a language). The CSRF cookie does not count: every page carries the
    language switch's token, and the public catalogue must stay cacheable (shared caches do not
    store responses that set cookies anyway). Anonymous pages with personal data say so
    themselves with ``cache_control(private=True, no_store=True)``, as /track/ does.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        own_cookies = set(response.cookies) - {settings.CSRF_COOKIE_NAME}
        if (user is not None and user.is_authenticated) or own_cookies:
            response["Cache-Control"] = "private, no-store"
        return response


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
