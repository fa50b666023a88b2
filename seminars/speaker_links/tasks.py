"""The speaker link's email, in the background worker."""

from django_tasks import task

from . import sending


@task()
def send_link_task(*, link_pk: int) -> str:
    return sending.send(link_pk) or "nothing waiting"
