"""PLACEHOLDER: being written in this session; replace the whole module."""

from django.http import Http404


def rate(request, *args, **kwargs):
    raise Http404


def rating_list(request, *args, **kwargs):
    raise Http404


def rating_detail(request, *args, **kwargs):
    raise Http404
