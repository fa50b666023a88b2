"""Settings for the test suite: the site's own settings with a throwaway secret key."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")

from seminars.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests don't run collectstatic, so serve static files without a manifest.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# No collectstatic in tests: let whitenoise find files where they are.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# The test client speaks plain HTTP; tests/test_production.py checks the redirect to HTTPS.
SECURE_SSL_REDIRECT = False
