"""Subscriptions by email: subscriber addresses, what they follow, the messages and their
sending, exactly once per (address, talk, kind, start) and per (address, week) for digests.

- models.py: Address, Subscription, Delivery, DigestDelivery (in the `seminars` app,
  imported by the app's ready()).
- links.py: the signed links of emails (confirm, manage, unsubscribe).
- subscribing.py: the form's request, its throttles, confirming and unsubscribing.
- messages.py: the emails themselves (text, HTML, the talk's .ics, list headers; the digest).
- sending.py: what is due now and sending it (`manage.py send_email`).
- wire.py: many messages over one SMTP connection, quickly (the digests).
- views.py: the form's answer, the confirm, manage and unsubscribe pages.

May import the models, `seminars.feeds.calendars` (for the talk's .ics, as its download is
built), `seminars.zones` and `seminars.security`, and `seminars.registration.sending` (whose
join links `send_due` sends too); never the admin or other parts' views.
"""
