"""Feeds people subscribe to: iCalendar feeds for calendar apps (`calendars`) and Atom feeds
for feed readers (`atom`). They may import the models, `ics.export` and the caching and time
zone helpers, never the admin or the import."""
