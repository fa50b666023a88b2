"""Running `import_ics` in the test's process, as a user sees it."""

from io import StringIO

from django.core.management import CommandError, call_command


def run_import(*args):
    """Run import_ics; return (exit code, stdout, stderr) as a user sees them."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_ics", *[str(a) for a in args], stdout=out, stderr=err)
    except CommandError as error:
        return 1, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()
