"""PLACEHOLDER: being written in this session; replace the whole module."""

from django.http import Http404


def complaint_new(request, *args, **kwargs):
    raise Http404


def my_complaints(request, *args, **kwargs):
    raise Http404


def complaint_list(request, *args, **kwargs):
    raise Http404


def complaint_record(request, *args, **kwargs):
    raise Http404


def complaint_detail(request, *args, **kwargs):
    raise Http404
