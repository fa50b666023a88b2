"""Who runs what: the one rule every admin page, form and action of the organisers asks.

A staff account that is one of a series' `organisers` runs that series: its talks, its
calendar sources and parts of the series itself. No Django permission or group has to be
granted by hand. Superusers run everything.

- Talks (and calendar sources): organisers see, add, change and delete those of their series
  only, and can put them only into their series.
- Series: organisers see and edit their own series' description, website and contact; its
  name, slug and organisers, and adding or deleting series, stay with site administrators.
- Speakers: names are public, so organisers see every speaker and may attach any of them to
  their talks, and add new ones. They change or delete a speaker only when every talk of the
  speaker is in a series they run, so that no organiser rewrites another series' speakers
  (a speaker with no talks yet is therefore open to every organiser). Merging speakers stays
  with site administrators.
- A staff account that organises nothing sees an admin with nothing to edit in it.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Exists, OuterRef, QuerySet

from .models import Series, Speaker, TalkSpeaker


def is_site_admin(user: AbstractBaseUser) -> bool:
    return user.is_active and user.is_superuser


def organised_series(user: AbstractBaseUser) -> QuerySet:
    """The series `user` may run in the admin."""
    if is_site_admin(user):
        return Series.objects.all()
    if not (user.is_active and user.is_staff):
        return Series.objects.none()
    return Series.objects.filter(organisers=user)


def organised_series_ids(user: AbstractBaseUser) -> frozenset[int]:
    """The ids of `organised_series(user)`, asked once per user object (one request's), as
    Django keeps a user's permissions: an admin page asks a dozen times."""
    if not hasattr(user, "_organised_series_ids"):
        user._organised_series_ids = frozenset(organised_series(user).values_list("pk", flat=True))
    return user._organised_series_ids


def organises_any(user: AbstractBaseUser) -> bool:
    return is_site_admin(user) or bool(organised_series_ids(user))


def changeable_speakers(user: AbstractBaseUser) -> QuerySet:
    """The speakers `user` may change or delete: those with no talk outside `user`'s series."""
    if is_site_admin(user):
        return Speaker.objects.all()
    if not organises_any(user):
        return Speaker.objects.none()
    elsewhere = TalkSpeaker.objects.filter(speaker=OuterRef("pk")).exclude(
        talk__series__in=organised_series(user)
    )
    return Speaker.objects.filter(~Exists(elsewhere))
