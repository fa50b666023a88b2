"""The task that sends an invitation's email, run by `manage.py db_worker`."""

from django_tasks import task

from ..retrying import ATTEMPTS, retry_later
from . import sending
from .models import Invitation


@task()
def send_invitation_task(*, invitation_pk: int, attempt: int = 1) -> str:
    """Send the invitation's email (sending.send: once); when the server could not take it
    now, try again later, ATTEMPTS times in all, then record that it was not sent."""
    outcome = sending.send(invitation_pk)
    if outcome not in (sending.TRANSIENT, sending.UNREACHABLE):
        return outcome or "nothing to send"
    if retry_later(send_invitation_task, attempt=attempt, invitation_pk=invitation_pk) is None:
        sending.give_up(invitation_pk, f"The mail server could not take it, {ATTEMPTS} times.")
    return outcome


def queue_sending(invitation: Invitation) -> None:
    """Enqueue the sending of `invitation`'s email (a row in the same database, so it is
    committed, or not, with the invitation)."""
    send_invitation_task.enqueue(invitation_pk=invitation.pk)
