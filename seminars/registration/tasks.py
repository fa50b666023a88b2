"""The task that sends a registration's confirmation as soon as it is asked for, run by
`manage.py db_worker`; should the SMTP server fail, it stays waiting and the next
`send_due` run sends it (sending.send_links)."""

from django_tasks import task

from . import sending


@task()
def send_registration_confirmation_task(*, registration_pk: int) -> str:
    outcome = sending.send_confirmation(registration_pk)
    return outcome or "nothing to send"
