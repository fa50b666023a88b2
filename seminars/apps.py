from django.apps import AppConfig


class SeminarsConfig(AppConfig):
    name = "seminars"
    verbose_name = "Seminars"

    def ready(self):
        from . import (
            caching,  # noqa: F401  (connects the cache invalidation signals)
            search,  # noqa: F401  (adds seminars_fold() to SQLite connections)
            sqlite_files,  # noqa: F401  (drops a kept SQLite connection whose file changed)
        )

        # Models of the app that live in their package; importing them here, not from
        # models.py, keeps the models' floor free of the mail package (STYLE.md).
        from .invitations import models as _invitations  # noqa: F401
        from .mail import models  # noqa: F401
        from .registration import models as _registration  # noqa: F401
        from .speaker_links import models as _speaker_links  # noqa: F401
