"""PLACEHOLDER: being written in this session; replace the whole module."""

from django.http import Http404


def stats(request, *args, **kwargs):
    raise Http404


def export(request, *args, **kwargs):
    raise Http404
