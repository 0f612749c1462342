"""Shared django-filter pieces: Bootstrap-styled filter forms and German date input."""

import django_filters
from django import forms

from integration_admin.forms import BootstrapFormMixin, GermanDateField


class BootstrapFilterForm(BootstrapFormMixin, forms.Form):
    pass


class GermanDateFilter(django_filters.DateFilter):
    """A date filter that reads "10.08.2020"."""

    field_class = GermanDateField


class BaseFilterSet(django_filters.FilterSet):
    """Subclasses write ``class Meta(BaseFilterSet.Meta)`` to keep the styled form."""

    class Meta:
        form = BootstrapFilterForm
