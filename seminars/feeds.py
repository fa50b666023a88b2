"""iCalendar feeds over HTTP: one talk, a series, a speaker, the site. (Being written.)"""

from django.http import HttpResponse


def talk_calendar(request, pk):
    return HttpResponse(status=501)


def series_calendar(request, slug):
    return HttpResponse(status=501)


def speaker_calendar(request, slug):
    return HttpResponse(status=501)


def site_calendar(request):
    return HttpResponse(status=501)
