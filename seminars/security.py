"""The Content-Security-Policy header, which Django 5.2 doesn't set itself."""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Send `settings.SECURE_CSP` as the Content-Security-Policy of every response.

    The setting has the shape of Django 6.0's SECURE_CSP, so on upgrading this middleware is
    replaced by `django.middleware.csp.ContentSecurityPolicyMiddleware` and the setting stays.
    A response that already has the header (a view with its own policy) keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(
            " ".join([directive, *sources]) for directive, sources in settings.SECURE_CSP.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
