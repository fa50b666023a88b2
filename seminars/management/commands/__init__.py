"""import_ics and load_demo: arguments and output only; the work is in seminars.importing."""
