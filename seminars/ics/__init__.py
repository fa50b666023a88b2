"""Everything iCalendar, in and out.

Data flows one way: bytes (fetch, read) → calendars → event records (events, dialects)
→ database (sync); and talks → calendar bytes (export).

It may import the models and the modules beside them that it needs (years, locations, online,
joining, names, slugs, speakers, caching), never what stands above it (admin, feeds, importing,
views); fetch.py not even the models. tests/test_layers.py checks both.
"""
