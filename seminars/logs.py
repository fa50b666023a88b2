"""Log records as one JSON object per line, for the LOGGING setting."""

import datetime as dt
import json
import logging


class JSONFormatter(logging.Formatter):
    """Time, level, logger and message; the request and status of Django's request errors;
    the traceback, if any, as one string (so a record stays one line)."""

    def format(self, record):
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # django.request and django.security records carry the request and its status.
        request = getattr(record, "request", None)
        if hasattr(request, "method") and hasattr(request, "path"):
            entry["method"], entry["path"] = request.method, request.path
        if isinstance(getattr(record, "status_code", None), int):
            entry["status"] = record.status_code
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)
