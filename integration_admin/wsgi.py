import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from integration_admin.core.pdf import warm_hyphenation

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integration_admin.settings")

application = get_wsgi_application()
warm_hyphenation()  # the papers' hyphenation patterns, loaded once per server process

# Import every view now rather than on the first request, then move everything loaded so far
# (Django, our models, views, URL configuration) out of the garbage collector's reach: a full
# collection then walks only what requests create, not the whole framework (gc.freeze()).
get_resolver().url_patterns  # noqa: B018 (imports the URL configuration and all views)
gc.collect()
gc.freeze()
