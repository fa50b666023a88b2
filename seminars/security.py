"""The Content-Security-Policy header, which Django 5.2 doesn't set itself, the one exception
to the rule that no other site may frame our pages, and the client address that failed logins
are counted against."""

import functools

from django.conf import settings


def policy_header(policy: dict[str, list[str]]) -> str:
    """A policy in the shape of `settings.SECURE_CSP`, as the header's value."""
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    """Send `settings.SECURE_CSP` as the Content-Security-Policy of every response.

    The setting has the shape of Django 6.0's SECURE_CSP, so on upgrading this middleware is
    replaced by `django.middleware.csp.ContentSecurityPolicyMiddleware` and the setting stays.
    A response that already has the header (a view with its own policy) keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = policy_header(settings.SECURE_CSP)

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


def embeddable(view):
    """Let any site show `view`'s responses in a frame: the site's policy, but
    `frame-ancestors *`, and no X-Frame-Options.

    Only for pages made to be embedded, which have links and nothing to click that changes
    anything, so framing them offers no clickjacking target. Put it outside `cached_page`:
    a response from the page cache carries no headers of the view's own.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        policy = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}
        response.headers["Content-Security-Policy"] = policy_header(policy)
        response.xframe_options_exempt = True  # XFrameOptionsMiddleware leaves it out
        return response

    return wrapper


def client_address(request) -> str | None:
    """The address login failures are counted against: the client's, past PROXY_COUNT proxies.

    Entries before the proxies' own come from the client and may be forged.
    """
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if settings.PROXY_COUNT and len(forwarded) >= settings.PROXY_COUNT:
        return forwarded[-settings.PROXY_COUNT]
    return request.META.get("REMOTE_ADDR")
