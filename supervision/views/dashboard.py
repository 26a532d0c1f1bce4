"""PLACEHOLDER: being written in this session; replace the whole module."""

from django.http import Http404


def dashboard(request, *args, **kwargs):
    raise Http404


def alert_list(request, *args, **kwargs):
    raise Http404


def alert_detail(request, *args, **kwargs):
    raise Http404


def alert_action(request, *args, **kwargs):
    raise Http404


def orders(request, *args, **kwargs):
    raise Http404
