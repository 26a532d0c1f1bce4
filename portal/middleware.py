from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
