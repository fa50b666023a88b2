"""Invitations: a site administrator, or an organiser for its own series, invites someone by
email to organise a series; the email's signed link lets them make an account (or use the
one they have) and land in the admin with that series.

- models.py: Invitation (in the `seminars` app, imported by the app's ready()).
- links.py: the signed, single-use link, and reading it back (BadLink says why not).
- accepting.py: accepting an invitation, exactly once: the account, the series' organisers.
- sending.py: the email and its sending, exactly once (the task in tasks.py runs it).
- forms.py, views.py: the page the link opens.

May import the models, `seminars.organisers` and `seminars.mail` (its message helpers and
SMTP outcomes); never the admin (seminars/admin/invitations.py imports this package).
"""
