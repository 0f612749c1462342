"""Shared django-filter pieces: Bootstrap-styled filter forms and date input in the user's notation."""

import django_filters
from django import forms

from integration_admin.core.forms import BootstrapFormMixin, LocalizedDateField


class BootstrapFilterForm(BootstrapFormMixin, forms.Form):
    pass


class LocalizedDateFilter(django_filters.DateFilter):
    """A date filter that reads "10.08.2020" (in English "10/08/2020")."""

    field_class = LocalizedDateField


class BaseFilterSet(django_filters.FilterSet):
    """Subclasses write ``class Meta(BaseFilterSet.Meta)`` to keep the styled form."""

    class Meta:
        form = BootstrapFilterForm
