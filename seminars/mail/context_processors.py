"""Template context of the subscription form."""

from django.conf import settings


def offered(request):
    """Whether the site offers email (EMAIL_URL set, or DEBUG), for the form's include."""
    return {"email_offered": settings.EMAIL_OFFERED}
