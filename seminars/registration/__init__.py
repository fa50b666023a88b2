"""Registration for a talk's join link (the "registration" access mode of seminars.joining):
a visitor gives a name and an email address on the talk's page, confirms from an email
(double opt-in), and gets the link by email, with the talk's .ics, when "shortly before"
would show it; a talk may have a capacity; organisers count and export their talks'
registrations in the admin.

- models.py: Registration, RegistrationLimit (in the `seminars` app, imported by the app's
  ready()).
- links.py: the signed links of its emails (confirm, cancel), and reading them back.
- registering.py: the form's request and its throttles, confirming under the capacity,
  cancelling, and what the talk's page says.
- messages.py: the confirmation and the link's emails.
- sending.py: sending them exactly once (`send_links()`, part of mail.sending.send_due).
- tasks.py: the confirmation sent as soon as it is asked for.
- exporting.py: the organisers' CSV.
- views.py: the form's answer, the confirm and cancel pages.

May import the models, `seminars.joining`, `seminars.ics.export` and `seminars.mail` (its
throttle, message helpers and SMTP outcomes); never the admin (seminars/admin/registrations.py
imports this package) or other parts' views.
"""
