"""Public pages. Each view asks a QuerySet method and renders; nothing more."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import ListView

from .models import Series, Speaker, Talk

PAGE_SIZE = 25


def upcoming(request):
    talks = Talk.objects.upcoming().with_speakers()
    page = Paginator(talks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "seminars/upcoming.html", {"page": page, "talks": page.object_list})


def talk_detail(request, pk, slug=None):
    talk = get_object_or_404(Talk.objects.with_speakers(), pk=pk)
    if slug != talk.slug:
        return redirect(talk, permanent=True)
    return render(request, "seminars/talk_detail.html", {"talk": talk})


class SeriesListView(ListView):
    model = Series
    context_object_name = "series_list"


def series_detail(request, slug):
    series = get_object_or_404(Series, slug=slug)
    talks = series.talks.with_speakers()
    return render(
        request,
        "seminars/series_detail.html",
        {
            "series": series,
            "upcoming": talks.upcoming()[:PAGE_SIZE],
            "past": talks.past()[:PAGE_SIZE],
        },
    )


def speaker_detail(request, slug):
    speaker = get_object_or_404(Speaker, slug=slug)
    talks = Talk.objects.filter(talk_speakers__speaker=speaker).with_speakers()
    return render(
        request,
        "seminars/speaker_detail.html",
        {"speaker": speaker, "upcoming": talks.upcoming(), "past": talks.past()},
    )
