"""Everything iCalendar, in and out.

Data flows one way: bytes (fetch, read) → calendars → event records (events, dialects)
→ database (sync); and talks → calendar bytes (export).
"""
