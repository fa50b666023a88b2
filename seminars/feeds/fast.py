"""The cached feeds' fast path: a middleware, right after whitenoise's, that answers a feed
request the cache holds before sessions, CSRF, accounts, messages and the URL resolver are
asked, as whitenoise answers a static file.

Calendar apps poll feeds all day, far more often than people read pages, and a warm feed
was served at half the rate of the same bytes as a static file, the difference being the
middleware after whitenoise and the content version's query (read here at most once per
second, ContentVersion.objects.state_this_second). A feed nobody asked for in this content
version, or gone from the cache, goes on to its view as before, which builds and caches it.
"""

import re

from .calendars import cached_response

# The feeds' addresses (seminars/urls.py); an address that only looks like one finds nothing
# in the cache and goes on to the URL resolver.
FEED_PATH = re.compile(r"/(?:talks|talks/[0-9]+|series/[-\w]+|speakers/[-\w]+)\.ics")


class CachedFeedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and FEED_PATH.fullmatch(request.path_info):
            response = cached_response(request)
            if response is not None:
                # As CommonMiddleware, which this path goes round, would.
                response.headers.setdefault("Content-Length", str(len(response.content)))
                return response
        return self.get_response(request)
