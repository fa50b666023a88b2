"""The emails of registration: the confirmation, and the join link with the talk's .ics.

Both are transactional, to one person who asked for them: a Message-ID and
`Auto-Submitted: auto-generated` like the site's other emails, no List-Unsubscribe or
List-Id (they belong to no list), and a link that cancels the registration. Styles are
inlined as in the other emails (seminars.mail.messages).
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.template.loader import render_to_string
from django.utils import timezone

from .. import joining
from ..mail import messages as mail_messages
from ..models import Talk
from . import links
from .models import Registration


def _message(registration, *, subject, template, context, msgid=None) -> EmailMultiAlternatives:
    talk = registration.talk
    zone = mail_messages.address_zone(registration)  # it reads only the zone
    context = {
        **context,
        "registration": registration,
        "talk": talk,
        "when": mail_messages.when(talk, zone),
        "talk_url": links.absolute(talk.get_absolute_url()),
        "cancel_url": links.cancel_url(registration),
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }
    headers = {
        "Message-ID": msgid or make_msgid(domain=mail_messages.site_host()),
        "Auto-Submitted": "auto-generated",
    }
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " ").replace("\r", " "),
        body=render_to_string(f"mail/{template}.txt", context),
        to=[registration.email],
        headers=headers,
    )
    html = mail_messages.INLINER.inline(render_to_string(f"mail/{template}.html", context))
    message.attach_alternative(html, "text/html")
    return message


def confirmation(registration: Registration) -> EmailMultiAlternatives:
    """The email whose link confirms `registration` (with its talk and series); one that
    is confirmed already says so, with no link to confirm."""
    return _message(
        registration,
        subject=f"Confirm your registration: {registration.talk.title}",
        template="registration_confirmation",
        context={
            "confirm_url": links.confirm_url(registration),
            "already": registration.confirmed_at is not None,
            "later": (sends_at := joining.link_sent_at(registration.talk)) is not None
            and sends_at > timezone.now(),
            "days": links.CONFIRM_WITHIN.days,
            "minutes": joining.reveal_minutes(registration.talk),
        },
    )


def join_link(registration: Registration, talk: Talk, *, msgid: str) -> EmailMultiAlternatives:
    """The email giving `registration` the talk's join link, with the talk's .ics holding
    it; `talk` from Talk.objects.with_speakers()."""
    registration.talk = talk
    zone = mail_messages.address_zone(registration)
    message = _message(
        registration,
        subject=f"Your link to join: {talk.title} – {mail_messages.when(talk, zone)}",
        template="registration_link",
        msgid=msgid,
        context={"join_url": talk.join_url, "speakers": talk.speaker_list},
    )
    ics = mail_messages.talk_file(talk, join_link=talk.join_url)
    message.attach(f"{talk.slug or 'talk'}.ics", ics, "text/calendar")
    return message
