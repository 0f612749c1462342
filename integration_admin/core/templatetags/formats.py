"""Template filters for money, FTE and percentages; loaded as builtins in settings."""

from django import template

from integration_admin.core import formats

register = template.Library()

register.filter("euro", formats.euro)
register.filter("fte", formats.fte)
register.filter("percent", formats.percent)
